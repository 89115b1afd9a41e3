// The Discord Presence card: the bot as Discord's member list shows it, with inline controls.
// A plain web component (no build step): Home Assistant loads this file itself
// (frontend.py registers it as an extra module), so users add no resource.

const DOMAIN = "discord_presence";
const CARD = "discord-presence-card";
const EDITOR = "discord-presence-card-editor";

// Discord's own status colours (member list, 2024+).
const STATUS_COLOURS = {
  online: "#23a55a",
  idle: "#f0b232",
  dnd: "#f23f43",
  invisible: "#80848e",
  offline: "#80848e",
};
// Fallback wording when the integration's translations are not loaded.
const STATUS_WORDS = {
  online: "Online",
  idle: "Idle",
  dnd: "Do not disturb",
  invisible: "Invisible",
  offline: "Offline",
};
const TYPE_WORDS = {
  playing: "Playing",
  streaming: "Streaming",
  listening: "Listening to",
  watching: "Watching",
  competing: "Competing in",
  custom: "Custom status",
};
// The entities the card drives or reads, by domain and translation key.
const ROLES = {
  status: ["select", "status"],
  activityType: ["select", "activity_type"],
  activity: ["text", "activity"],
  streamUrl: ["text", "stream_url"],
  connection: ["sensor", "connection"],
  onDiscord: ["sensor", "presence_on_discord"],
};
const UNSET = ["unknown", "unavailable"];

let botsCache = { entities: null, devices: null, bots: [] };

/** Every bot (one device per account) with its entity ids by role, in name order. */
function findBots(hass) {
  // hass is replaced on every state change; the registries only when they change.
  if (botsCache.entities === hass.entities && botsCache.devices === hass.devices) {
    return botsCache.bots;
  }
  const bots = scanBots(hass);
  botsCache = { entities: hass.entities, devices: hass.devices, bots };
  return bots;
}

function scanBots(hass) {
  const byDevice = new Map();
  for (const entry of Object.values(hass.entities || {})) {
    if (entry.platform !== DOMAIN || !entry.device_id) continue;
    const domain = entry.entity_id.split(".")[0];
    const role = Object.keys(ROLES).find(
      (key) => ROLES[key][0] === domain && ROLES[key][1] === entry.translation_key,
    );
    if (!byDevice.has(entry.device_id)) byDevice.set(entry.device_id, {});
    if (role) byDevice.get(entry.device_id)[role] = entry.entity_id;
  }
  const bots = [];
  for (const [deviceId, entities] of byDevice) {
    const device = (hass.devices || {})[deviceId] || {};
    bots.push({
      deviceId,
      entities,
      name: device.name_by_user || device.name || deviceId,
      entryId: (device.config_entries || [])[0],
    });
  }
  return bots.sort((a, b) => a.name.localeCompare(b.name));
}

function initials(name) {
  const words = name.replace(/[_\-.]+/g, " ").trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : (words[0] || "?").slice(0, 2);
  return letters.toUpperCase();
}

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role" || key === "for")
      node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

const STYLE = `
  :host { display: block; }
  [hidden] { display: none !important; }
  ha-card { padding: 16px; box-sizing: border-box; height: 100%; }
  .member { display: flex; align-items: center; gap: 12px; min-width: 0; }
  .avatar { position: relative; flex: none; width: 48px; height: 48px; }
  .avatar img, .avatar .initials {
    width: 48px; height: 48px; border-radius: 50%; display: block; object-fit: cover;
  }
  .avatar .initials {
    display: flex; align-items: center; justify-content: center;
    background: #5865f2; color: #fff; font-weight: 600; font-size: 18px; user-select: none;
  }
  .dot {
    position: absolute; right: -2px; bottom: -2px; width: 14px; height: 14px;
    border-radius: 50%; box-sizing: content-box;
    border: 3px solid var(--ha-card-background, var(--card-background-color, #fff));
  }
  .text { min-width: 0; flex: 1; }
  .name {
    font-size: 16px; font-weight: 600; color: var(--primary-text-color);
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  }
  .line {
    font-size: 14px; color: var(--secondary-text-color);
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  }
  .line b { font-weight: 600; color: var(--primary-text-color); }
  .line.pending { opacity: 0.7; }
  .connection { font-size: 12px; color: var(--warning-color, #f0b232); }
  .connection.bad { color: var(--error-color, #f23f43); }
  .controls { display: grid; gap: 12px; margin-top: 16px; }
  .statuses { display: flex; flex-wrap: wrap; gap: 8px; }
  .statuses button {
    display: inline-flex; align-items: center; gap: 6px; cursor: pointer;
    padding: 6px 12px; border-radius: 16px; font: inherit; font-size: 14px;
    color: var(--primary-text-color); background: transparent;
    border: 1px solid var(--divider-color, rgba(127, 127, 127, 0.4));
  }
  .statuses button[aria-pressed="true"] {
    border-color: var(--primary-color); background: rgba(var(--rgb-primary-color, 3, 169, 244), 0.12);
  }
  .statuses button:focus-visible, select:focus-visible, input:focus-visible {
    outline: 2px solid var(--primary-color); outline-offset: 1px;
  }
  .statuses .swatch { width: 10px; height: 10px; border-radius: 50%; }
  .fields { display: grid; gap: 12px; grid-template-columns: minmax(120px, 1fr) minmax(0, 2fr); }
  .field { display: grid; gap: 4px; min-width: 0; }
  .field.wide { grid-column: 1 / -1; }
  .field span { font-size: 12px; color: var(--secondary-text-color); }
  select, input {
    font: inherit; font-size: 14px; min-width: 0; width: 100%; box-sizing: border-box;
    padding: 8px 10px; border-radius: 8px; color: var(--primary-text-color);
    background: var(--input-fill-color, var(--secondary-background-color, rgba(127, 127, 127, 0.1)));
    border: 1px solid var(--input-idle-line-color, var(--divider-color, rgba(127, 127, 127, 0.4)));
  }
  select option { color: initial; }
  input:disabled, select:disabled, button:disabled { opacity: 0.5; cursor: default; }
  .error { font-size: 12px; color: var(--error-color, #f23f43); }
  .error:empty { display: none; }
  .warning { color: var(--error-color, #f23f43); }
  @media (max-width: 420px) {
    .fields { grid-template-columns: 1fr; }
  }
`;

class DiscordPresenceCard extends HTMLElement {
  static getConfigElement() {
    // The editor is a second file, fetched only when a dashboard is edited; it
    // carries this module's ?v= query so it is refreshed with it.
    const url = new URL(`./${EDITOR}.js`, import.meta.url);
    url.search = new URL(import.meta.url).search;
    return import(url.href).then(() => document.createElement(EDITOR));
  }

  static getStubConfig(hass) {
    const bot = findBots(hass)[0];
    return bot ? { device_id: bot.deviceId } : {};
  }

  static bots(hass) {
    return findBots(hass);
  }

  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    this._config = { ...config };
    this._seen = null;
    if (this._hass) this._update();
  }

  set hass(hass) {
    this._hass = hass;
    // Every state change in Home Assistant sets hass: redraw only for this bot's.
    const bot = this._bot();
    const seen = bot ? Object.values(bot.entities).map((id) => hass.states[id]) : [];
    const unchanged =
      this._seen &&
      this._seenBot === bot &&
      this._seenLocalize === hass.localize &&
      seen.length === this._seen.length &&
      seen.every((state, i) => state === this._seen[i]);
    this._seen = seen;
    this._seenBot = bot;
    this._seenLocalize = hass.localize;
    if (!unchanged) this._update();
  }

  getCardSize() {
    return 4;
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6, rows: "auto" };
  }

  _bot() {
    const bots = findBots(this._hass);
    const wanted = this._config && this._config.device_id;
    return wanted ? bots.find((bot) => bot.deviceId === wanted) : bots[0];
  }

  _build() {
    const root = this.shadowRoot || this.attachShadow({ mode: "open" });
    root.innerHTML = "";
    const nodes = (this._nodes = {});
    nodes.img = el("img", { alt: "", hidden: true });
    nodes.img.addEventListener("error", () => {
      // CDN unreachable or the avatar gone: Discord shows initials-like fallbacks too.
      this._avatarFailed = nodes.img.src;
      nodes.img.hidden = true;
      nodes.initials.hidden = false;
    });
    nodes.initials = el("div", { class: "initials", "aria-hidden": "true" });
    nodes.dot = el("span", { class: "dot", role: "img" });
    nodes.name = el("div", { class: "name" });
    nodes.line = el("div", { class: "line activity" });
    nodes.connection = el("div", { class: "connection" });
    nodes.statuses = el("div", { class: "statuses", role: "group" });
    nodes.type = el("select", { class: "activity-type" });
    nodes.type.addEventListener("change", () => this._selectType(nodes.type.value));
    nodes.text = el("input", { class: "activity-text", type: "text", enterKeyHint: "done" });
    this._commitOnEnter(nodes.text, () => this._setText());
    nodes.url = el("input", {
      class: "stream-url",
      type: "url",
      inputMode: "url",
      placeholder: "https://www.twitch.tv/…",
      enterKeyHint: "done",
    });
    this._commitOnEnter(nodes.url, () => this._setStreamUrl());
    nodes.typeLabel = el("span");
    nodes.textLabel = el("span");
    nodes.urlLabel = el("span");
    nodes.urlField = el("label", { class: "field wide stream" }, [nodes.urlLabel, nodes.url]);
    nodes.error = el("div", { class: "error", role: "alert" });
    nodes.missing = el("div", { class: "warning" });
    nodes.card = el("ha-card", {}, [
      el("div", { class: "member" }, [
        el("div", { class: "avatar" }, [nodes.img, nodes.initials, nodes.dot]),
        el("div", { class: "text" }, [nodes.name, nodes.line, nodes.connection]),
      ]),
      el("div", { class: "controls" }, [
        nodes.statuses,
        el("div", { class: "fields" }, [
          el("label", { class: "field" }, [nodes.typeLabel, nodes.type]),
          el("label", { class: "field" }, [nodes.textLabel, nodes.text]),
          nodes.urlField,
        ]),
        nodes.error,
      ]),
      nodes.missing,
    ]);
    root.append(el("style", { textContent: STYLE }), nodes.card);
  }

  _commitOnEnter(input, commit) {
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        commit();
      }
    });
    input.addEventListener("change", commit);
  }

  _state(entityId) {
    return entityId ? this._hass.states[entityId] : undefined;
  }

  /** A state value in Home Assistant's language (the integration's translations), else English. */
  _word(stateObj, value, fallback) {
    if (stateObj && this._hass.formatEntityState) {
      const formatted = this._hass.formatEntityState(stateObj, value);
      if (formatted && formatted !== value) return formatted;
    }
    return fallback[value] || value;
  }

  /** An entity's own name without the device's name in front ("Status", not "Bot Status"). */
  _label(stateObj, fallback) {
    const full = stateObj && stateObj.attributes.friendly_name;
    const device = this._botInfo && this._botInfo.name;
    if (!full) return fallback;
    return device && full.startsWith(device + " ") ? full.slice(device.length + 1) : full;
  }

  _update() {
    if (!this._hass || !this._config) return;
    if (!this._nodes) this._build();
    const nodes = this._nodes;
    const bot = (this._botInfo = this._bot());
    if (!bot) {
      nodes.card.hidden = false;
      nodes.missing.textContent = this._config.device_id
        ? "This Discord Presence bot no longer exists: pick another in the card editor."
        : "No Discord Presence bot found: add the integration first.";
      nodes.card.querySelector(".member").hidden = true;
      nodes.card.querySelector(".controls").hidden = true;
      return;
    }
    nodes.missing.textContent = "";
    nodes.card.querySelector(".member").hidden = false;
    nodes.card.querySelector(".controls").hidden = false;

    const e = bot.entities;
    const status = this._state(e.status);
    const type = this._state(e.activityType);
    const text = this._state(e.activity);
    const streamUrl = this._state(e.streamUrl);
    const connection = this._state(e.connection);
    const onDiscord = this._state(e.onDiscord);
    const connected = !connection || connection.state === "connected";

    // Member row: what Discord shows (the applied presence), else the wanted one.
    const name = this._config.name || bot.name;
    nodes.name.textContent = name;
    nodes.initials.textContent = initials(name);
    this._updateAvatar(bot, connected);
    const applied = onDiscord && !UNSET.includes(onDiscord.state) ? onDiscord.attributes : null;
    let shown = connected ? (applied && applied.status) || (status && status.state) : "offline";
    if (!STATUS_COLOURS[shown]) shown = "offline";
    nodes.dot.style.background = STATUS_COLOURS[shown];
    nodes.dot.setAttribute("aria-label", this._word(status, shown, STATUS_WORDS));
    nodes.dot.dataset.status = shown;
    nodes.card.dataset.status = shown;
    this._renderLine(applied, type, text);
    if (connected) {
      nodes.connection.textContent = "";
      nodes.connection.hidden = true;
    } else {
      nodes.connection.hidden = false;
      nodes.connection.textContent = this._hass.formatEntityState
        ? this._hass.formatEntityState(connection)
        : connection.state;
      nodes.connection.classList.toggle("bad", connection.state === "error");
    }

    // Controls: the wanted presence.
    this._renderStatuses(status);
    const typeValue = type && !UNSET.includes(type.state) ? type.state : "";
    const options = (type && type.attributes.options) || [];
    const optionKey = options.join(",");
    if (nodes.type.dataset.options !== optionKey) {
      nodes.type.replaceChildren(
        ...options.map((option) =>
          el("option", { value: option, textContent: this._word(type, option, TYPE_WORDS) }),
        ),
      );
      nodes.type.dataset.options = optionKey;
    }
    if (nodes.type.value !== typeValue) nodes.type.value = typeValue;
    nodes.type.disabled = !type || type.state === "unavailable";
    nodes.typeLabel.textContent = this._label(type, "Activity type");

    const textValue = text && !UNSET.includes(text.state) ? text.state : "";
    this._syncInput(nodes.text, textValue);
    nodes.text.disabled = !text || text.state === "unavailable";
    if (text && text.attributes.max) nodes.text.maxLength = text.attributes.max;
    nodes.textLabel.textContent =
      typeValue === "custom"
        ? this._word(type, "custom", TYPE_WORDS)
        : this._label(text, "Activity");
    nodes.text.placeholder = typeValue === "custom" ? "Back in 5" : "Movie night";

    nodes.urlField.hidden = typeValue !== "streaming";
    const urlValue = streamUrl && !UNSET.includes(streamUrl.state) ? streamUrl.state : "";
    this._syncInput(nodes.url, urlValue || (applied && applied.stream_url) || "");
    nodes.urlLabel.textContent = this._label(streamUrl, "Stream URL");
  }

  _syncInput(input, value) {
    // Never overwrite what the user is typing.
    if (this.shadowRoot.activeElement === input) return;
    if (input.value !== value) input.value = value;
    input.dataset.sent = value;
  }

  _updateAvatar(bot, connected) {
    const nodes = this._nodes;
    let url = this._config.avatar || "";
    if (!url) {
      for (const entityId of Object.values(bot.entities)) {
        const attrs = (this._state(entityId) || {}).attributes || {};
        if (attrs.avatar_url || attrs.entity_picture) {
          url = attrs.avatar_url || attrs.entity_picture;
          break;
        }
      }
    }
    // Offline: Discord's CDN may be what is unreachable, and initials never fail.
    const show = url && connected && this._avatarFailed !== url;
    if (show && nodes.img.getAttribute("src") !== url) nodes.img.src = url;
    nodes.img.hidden = !show;
    nodes.initials.hidden = !!show;
  }

  _renderLine(applied, type, text) {
    const line = this._nodes.line;
    let kind;
    let name;
    let custom;
    if (applied) {
      kind = applied.activity_type;
      name = applied.activity_name;
      custom = applied.activity_state;
      line.classList.remove("pending");
    } else {
      // Nothing applied (not connected yet): show what will be sent, dimmed.
      kind = text && text.attributes.activity_type;
      name = text && !UNSET.includes(text.state) ? text.state : "";
      custom = name;
      line.classList.add("pending");
    }
    line.replaceChildren();
    if (!kind || (!name && !custom)) {
      line.hidden = true;
      return;
    }
    line.hidden = false;
    if (kind === "custom") {
      line.append(custom || "");
      return;
    }
    line.append(`${this._word(type, kind, TYPE_WORDS)} `, el("b", { textContent: name }));
  }

  _renderStatuses(status) {
    const nodes = this._nodes;
    const options = (status && status.attributes.options) || [];
    const key = options.join(",");
    if (nodes.statuses.dataset.options !== key) {
      nodes.statuses.replaceChildren(
        ...options.map((option) => {
          const button = el("button", { type: "button", "data-status": option }, [
            el("span", { class: "swatch" }),
            el("span", { class: "label" }),
          ]);
          button.firstChild.style.background = STATUS_COLOURS[option] || STATUS_COLOURS.offline;
          button.addEventListener("click", () => this._selectStatus(option));
          return button;
        }),
      );
      nodes.statuses.dataset.options = key;
    }
    nodes.statuses.setAttribute("aria-label", this._label(status, "Status"));
    for (const button of nodes.statuses.children) {
      const option = button.dataset.status;
      button.lastChild.textContent = this._word(status, option, STATUS_WORDS);
      button.setAttribute("aria-pressed", String(status && status.state === option));
      button.disabled = !status || status.state === "unavailable";
    }
  }

  async _call(domain, service, data, target) {
    this._nodes.error.textContent = "";
    try {
      await this._hass.callService(domain, service, data, target);
    } catch (err) {
      this._nodes.error.textContent = (err && err.message) || String(err);
    }
  }

  _selectStatus(option) {
    const entityId = this._botInfo && this._botInfo.entities.status;
    if (entityId) this._call("select", "select_option", { option }, { entity_id: entityId });
  }

  _selectType(option) {
    const entityId = this._botInfo && this._botInfo.entities.activityType;
    if (entityId) this._call("select", "select_option", { option }, { entity_id: entityId });
  }

  _setText() {
    const input = this._nodes.text;
    const bot = this._botInfo;
    const value = input.value.trim();
    if (!bot || !bot.entities.activity || value === input.dataset.sent) return;
    input.dataset.sent = value;
    if (this._pendingUrl && value && this._nodes.type.value === "streaming") {
      // A URL typed before the text, with no Stream URL entity to keep it: both go together.
      this._stream(bot, value, this._pendingUrl);
      return;
    }
    this._call("text", "set_value", { value }, { entity_id: bot.entities.activity });
  }

  _setStreamUrl() {
    const input = this._nodes.url;
    const bot = this._botInfo;
    const value = input.value.trim();
    if (!bot || value === input.dataset.sent) return;
    input.dataset.sent = value;
    if (bot.entities.streamUrl) {
      this._call("text", "set_value", { value }, { entity_id: bot.entities.streamUrl });
      return;
    }
    // The Stream URL entity is disabled by default: stream through the action instead,
    // which needs the activity's text; without one yet, the URL waits for it.
    const text = this._state(bot.entities.activity);
    const name = text && !UNSET.includes(text.state) ? text.state : "";
    this._pendingUrl = value;
    if (name) this._stream(bot, name, value);
  }

  async _stream(bot, name, url) {
    await this._call(DOMAIN, "set_game", {
      config_entry_id: bot.entryId,
      activity_type: "streaming",
      name,
      url,
    });
    if (!this._nodes.error.textContent) this._pendingUrl = null;
  }
}

if (!customElements.get(CARD)) {
  customElements.define("discord-presence-card", DiscordPresenceCard);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: CARD,
    name: "Discord Presence",
    description: "The bot as Discord's member list shows it, with its status and activity controls.",
    preview: true,
    documentationURL: "https://github.com/discord-presence/ha-discord-presence#the-presence-card",
  });
}
