// The Discord Presence card's visual editor: pick the bot, optionally rename it.
// Loaded by the card's getConfigElement() only when a dashboard is edited.

const CARD = "discord-presence-card";
const EDITOR = "discord-presence-card-editor";

const STYLE = `
  :host { display: block; }
  .form { display: grid; gap: 16px; }
  label { display: grid; gap: 4px; }
  label span { font-size: 12px; color: var(--secondary-text-color); }
  select, input {
    font: inherit; font-size: 14px; width: 100%; box-sizing: border-box; padding: 8px 10px;
    border-radius: 8px; color: var(--primary-text-color);
    background: var(--input-fill-color, var(--secondary-background-color, rgba(127, 127, 127, 0.1)));
    border: 1px solid var(--input-idle-line-color, var(--divider-color, rgba(127, 127, 127, 0.4)));
  }
  select option { color: initial; }
  .hint { font-size: 12px; color: var(--secondary-text-color); }
`;

class DiscordPresenceCardEditor extends HTMLElement {
  setConfig(config) {
    this._config = { ...config };
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    this._render();
  }

  _bots() {
    const card = customElements.get(CARD);
    return card && this._hass ? card.bots(this._hass) : [];
  }

  _build() {
    const root = this.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    const form = document.createElement("div");
    form.className = "form";
    form.innerHTML = `
      <label><span>Bot</span><select class="bot"></select></label>
      <label><span>Name (optional)</span><input class="name" type="text"></label>
      <div class="hint">The card controls the bot's Status, Activity type, Activity and
        Stream URL entities. Enable the Stream URL entity to have the URL remembered.</div>`;
    root.append(style, form);
    this._select = form.querySelector("select.bot");
    this._name = form.querySelector("input.name");
    this._select.addEventListener("change", () => this._changed({ device_id: this._select.value }));
    this._name.addEventListener("change", () => this._changed({ name: this._name.value.trim() }));
  }

  _render() {
    if (!this._config || !this._hass) return;
    if (!this._select) this._build();
    const bots = this._bots();
    const key = bots.map((bot) => `${bot.deviceId}=${bot.name}`).join("|");
    if (this._select.dataset.bots !== key) {
      this._select.replaceChildren(
        ...bots.map((bot) => {
          const option = document.createElement("option");
          option.value = bot.deviceId;
          option.textContent = bot.name;
          return option;
        }),
      );
      this._select.dataset.bots = key;
    }
    const chosen = this._config.device_id || (bots[0] && bots[0].deviceId) || "";
    if (this._select.value !== chosen) this._select.value = chosen;
    if (this.shadowRoot.activeElement !== this._name) this._name.value = this._config.name || "";
  }

  _changed(change) {
    const config = { ...this._config, ...change };
    if (!config.name) delete config.name;
    this._config = config;
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
    );
  }
}

if (!customElements.get(EDITOR)) {
  customElements.define("discord-presence-card-editor", DiscordPresenceCardEditor);
}
