"""Draw the integration's brand icons (original artwork, not Discord's logo).

The mark: a house outline with a rounded speech bubble inside it and a
"presence" dot on the bubble's corner. Drawn large with Pillow, trimmed to
its visible pixels, centred on a transparent square and scaled down to the
sizes Home Assistant's brands rules ask for.

    .venv/bin/python script/make_brand.py   # writes custom_components/discord_presence/brand/
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "custom_components" / "discord_presence" / "brand"
SIZES = {"icon.png": 256, "icon@2x.png": 512}

CANVAS = 2048  # supersampled drawing size
HOUSE = (3, 169, 244, 255)  # sky blue
BUBBLE = (52, 58, 84, 255)  # slate
TEXT = (255, 255, 255, 255)
DOT = (67, 181, 129, 255)  # "online" green


def draw_mark() -> Image.Image:
    """The mark on a transparent square canvas, not yet trimmed."""
    size = CANVAS
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    stroke = 150
    half = stroke // 2

    # House outline: a roof chevron and three walls, with rounded joints.
    apex = (size // 2, half)
    eave_l = (half, int(size * 0.47))
    eave_r = (size - half, int(size * 0.47))
    draw.line([eave_l, apex, eave_r], fill=HOUSE, width=stroke, joint="curve")
    wall_l, wall_r, floor = int(size * 0.17), int(size * 0.83), size - half
    wall_top = int(size * 0.36)
    draw.line(
        [(wall_l, wall_top), (wall_l, floor), (wall_r, floor), (wall_r, wall_top)],
        fill=HOUSE,
        width=stroke,
        joint="curve",
    )
    for x, y in (eave_l, apex, eave_r, (wall_l, floor), (wall_r, floor)):
        draw.ellipse((x - half, y - half, x + half, y + half), fill=HOUSE)

    # Speech bubble inside the house, with a tail at its lower left.
    left, top = int(size * 0.30), int(size * 0.46)
    right, bottom = int(size * 0.70), int(size * 0.74)
    draw.rounded_rectangle((left, top, right, bottom), radius=110, fill=BUBBLE)
    tail = [
        (left + 90, bottom - 20),
        (left + 40, bottom + 130),
        (left + 250, bottom - 20),
    ]
    draw.polygon(tail, fill=BUBBLE)
    # Three "typing" dots in the bubble.
    cy = (top + bottom) // 2
    for cx in (size * 0.40, size * 0.50, size * 0.60):
        r = 46
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=TEXT)

    # Presence dot on the bubble's lower right, separated by a transparent ring.
    dx, dy, dot_r, gap = right - 10, bottom - 10, 125, 55
    clear = Image.new("L", (size, size), 0)
    ImageDraw.Draw(clear).ellipse(
        (dx - dot_r - gap, dy - dot_r - gap, dx + dot_r + gap, dy + dot_r + gap), fill=255
    )
    img.paste((0, 0, 0, 0), mask=clear)
    draw.ellipse((dx - dot_r, dy - dot_r, dx + dot_r, dy + dot_r), fill=DOT)
    return img


def trimmed_square(img: Image.Image) -> Image.Image:
    """Crop to the visible pixels and centre them on a transparent square."""
    bbox = img.getchannel("A").getbbox()
    if bbox is None:
        raise SystemExit("make_brand: nothing was drawn")
    art = img.crop(bbox)
    side = max(art.size)
    square = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    square.paste(art, ((side - art.width) // 2, (side - art.height) // 2))
    return square


def main() -> int:
    """Write every icon size."""
    OUT.mkdir(parents=True, exist_ok=True)
    master = trimmed_square(draw_mark())
    for name, px in SIZES.items():
        icon = master.resize((px, px), Image.Resampling.LANCZOS)
        icon.save(OUT / name, format="PNG", optimize=True)
        print(f"make_brand: wrote {OUT / name} ({px}x{px})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
