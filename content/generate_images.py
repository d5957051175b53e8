#!/usr/bin/env python3
"""Draw the demo illustrations of Vision d'Amour, and write the demo annual report.

Pillow only, no download, no text in the images. Every scene uses its own seeded
random generator, so running the script again recreates the files byte-for-byte.
The annual report (documents/rapport-annuel-2025.pdf) is a small hand-written PDF
with real, selectable text (standard Helvetica font, no embedding).

    python content/generate_images.py
"""
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

W, H = 1600, 1000
S = 2  # supersampling factor: draw at 2x, then downsample (anti-aliasing)
OUT = Path(__file__).resolve().parent / "images"

SKIN = ["#5c3a2a", "#6e4530", "#7a4b33", "#8a5a3c", "#4f3024", "#94633f"]
CLOTH = ["#e07a5f", "#3d5a80", "#f2cc8f", "#81b29a", "#c8553d", "#6d597a",
         "#f4a259", "#2a9d8f", "#e9c46a", "#bc4b51", "#5b8e7d", "#457b9d"]


# --------------------------------------------------------------------------- colours
def rgb(c):
    if isinstance(c, tuple):
        return c[:3]
    return tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))


def mix(a, b, f):
    a, b = rgb(a), rgb(b)
    return tuple(round(a[i] + (b[i] - a[i]) * f) for i in range(3))


def interp(stops, t):
    t = max(0.0, min(1.0, t))
    for (t0, c0), (t1, c1) in zip(stops, stops[1:]):
        if t <= t1:
            return mix(c0, c1, 0 if t1 == t0 else (t - t0) / (t1 - t0))
    return rgb(stops[-1][1])


def even(*colors):
    n = len(colors) - 1
    return [(i / n, c) for i, c in enumerate(colors)]


# --------------------------------------------------------------------------- canvas
class Canvas:
    def __init__(self, seed):
        self.img = Image.new("RGBA", (W * S, H * S), (0, 0, 0, 255))
        self.d = ImageDraw.Draw(self.img)
        self.rng = random.Random(seed)

    # geometry helpers -------------------------------------------------------
    @staticmethod
    def P(pts):
        return [(x * S, y * S) for x, y in pts]

    @staticmethod
    def B(box):
        return [v * S for v in box]

    # primitives ---------------------------------------------------------------
    def poly(self, pts, fill, d=None):
        (d or self.d).polygon(self.P(pts), fill=rgba(fill))

    def rect(self, box, fill, radius=0, d=None):
        x0, y0, x1, y1 = box
        box = [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]
        if radius:
            (d or self.d).rounded_rectangle(self.B(box), radius * S, fill=rgba(fill))
        else:
            (d or self.d).rectangle(self.B(box), fill=rgba(fill))

    def ellipse(self, box, fill, d=None):
        (d or self.d).ellipse(self.B(box), fill=rgba(fill))

    def circle(self, x, y, r, fill, d=None):
        self.ellipse((x - r, y - r, x + r, y + r), fill, d)

    def line(self, pts, fill, width, d=None, round_caps=True):
        (d or self.d).line(self.P(pts), fill=rgba(fill), width=max(1, int(width * S)), joint="curve")
        if round_caps:
            for x, y in (pts[0], pts[-1]):
                self.circle(x, y, width / 2, fill, d)

    def arc(self, box, start, end, fill, width, d=None):
        (d or self.d).arc(self.B(box), start, end, fill=rgba(fill), width=max(1, int(width * S)))

    # gradients ----------------------------------------------------------------
    def gradient_image(self, box, stops, vertical=True):
        x0, y0, x1, y1 = [int(v * S) for v in box]
        w, h = max(1, x1 - x0), max(1, y1 - y0)
        n = h if vertical else w
        strip = Image.new("RGB", (1, n) if vertical else (n, 1))
        for i in range(n):
            strip.putpixel((0, i) if vertical else (i, 0), interp(stops, i / max(1, n - 1)))
        return strip.resize((w, h), Image.NEAREST), (x0, y0)

    def grad_rect(self, box, stops, vertical=True):
        g, pos = self.gradient_image(box, stops, vertical)
        self.img.paste(g, pos)

    def grad_poly(self, pts, stops, box=None, vertical=True):
        if box is None:
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            box = (min(xs), min(ys), max(xs), max(ys))
        g, (x0, y0) = self.gradient_image(box, stops, vertical)
        mask = Image.new("L", g.size, 0)
        ImageDraw.Draw(mask).polygon([(x * S - x0, y * S - y0) for x, y in pts], fill=255)
        self.img.paste(g, (x0, y0), mask)

    # translucent layers -------------------------------------------------------
    def layer(self, base="#ffffff"):
        # transparent pixels carry the base colour, so blurring leaves no dark halo
        lay = Image.new("RGBA", self.img.size, rgb(base) + (0,))
        return lay, ImageDraw.Draw(lay)

    def merge(self, lay, blur=0):
        if blur:
            lay = lay.filter(ImageFilter.GaussianBlur(blur * S))
        self.img.alpha_composite(lay)

    def glow(self, x, y, r, color, alpha=1.0):
        size = int(2 * r * S)
        if size < 2:
            return
        mask = radial_mask().resize((size, size), Image.BILINEAR)
        if alpha < 1:
            mask = mask.point(lambda v: int(v * alpha))
        col = Image.new("RGBA", (size, size), rgb(color) + (255,))
        col.putalpha(mask)
        x0, y0 = int((x - r) * S), int((y - r) * S)
        sx, sy = max(0, -x0), max(0, -y0)
        ex, ey = min(size, W * S - x0), min(size, H * S - y0)
        if ex <= sx or ey <= sy:
            return
        self.img.alpha_composite(col.crop((sx, sy, ex, ey)), (x0 + sx, y0 + sy))

    def shadow(self, box, alpha=80, blur=10, color="#3b2a20"):
        lay, d = self.layer(color)
        self.ellipse(box, rgb(color) + (alpha,), d)
        self.merge(lay, blur)

    def vignette(self, strength=70):
        rad = Image.radial_gradient("L").resize((W * S, H * S), Image.BILINEAR)
        mask = rad.point(lambda v: int(max(0, v - 150) / 105 * strength) if v < 255 else strength)
        dark = Image.new("RGBA", self.img.size, (40, 20, 10, 255))
        dark.putalpha(mask)
        self.img.alpha_composite(dark)

    def wash(self, color, alpha):
        lay = Image.new("RGBA", self.img.size, rgb(color) + (alpha,))
        self.img.alpha_composite(lay)

    def save(self, name):
        img = self.img.convert("RGB").resize((W, H), Image.LANCZOS)
        img.save(OUT / name, "JPEG", quality=78, optimize=True, progressive=True)


_RADIAL = []


def radial_mask():
    """256x256 soft disc: 255 in the centre, 0 at and beyond the radius (smooth falloff)."""
    if not _RADIAL:
        m = Image.new("L", (256, 256), 0)
        px = m.load()
        for y in range(256):
            for x in range(256):
                t = max(0.0, 1 - math.hypot(x - 127.5, y - 127.5) / 128)
                px[x, y] = int(255 * t * t)
        _RADIAL.append(m)
    return _RADIAL[0]


def rgba(c):
    if isinstance(c, tuple) and len(c) == 4:
        return c
    return rgb(c) + (255,)


# --------------------------------------------------------------------------- scenery
def sky(c, stops, horizon=H):
    c.grad_rect((0, 0, W, horizon + 2), stops)


def sun(c, x, y, r, color="#fff3c4", glow="#ffd27a", glow_r=4.0, alpha=0.85):
    c.glow(x, y, r * glow_r, glow, alpha)
    c.glow(x, y, r * 1.8, color, 0.9)
    c.circle(x, y, r, color)


def ridge(c, base, amps, stops=None, fill=None, step=8, seed=None):
    rng = random.Random(seed) if seed is not None else c.rng
    waves = [(a, f, rng.uniform(0, 2 * math.pi)) for a, f in amps]
    pts = []
    for x in range(-20, W + 30, step):
        y = base + sum(a * math.sin(2 * math.pi * f * x / W + ph) for a, f, ph in waves)
        pts.append((x, y))
    top = min(p[1] for p in pts)
    pts += [(W + 30, H + 5), (-20, H + 5)]
    if stops:
        c.grad_poly(pts, stops, box=(-20, top, W + 30, H + 5))
    else:
        c.poly(pts, fill)
    return pts


def mist(c, y, height, color="#ffffff", alpha=90):
    lay, d = c.layer()
    c.rect((-50, y, W + 50, y + height), rgb(color) + (alpha,), d=d)
    c.merge(lay, blur=height / 2)


def birds(c, n, box, color="#5a4a4a", size=14):
    x0, y0, x1, y1 = box
    for _ in range(n):
        x, y = c.rng.uniform(x0, x1), c.rng.uniform(y0, y1)
        s = size * c.rng.uniform(0.6, 1.2)
        c.arc((x - s, y - s / 2, x, y + s / 2), 200, 330, color, 2.4)
        c.arc((x, y - s / 2, x + s, y + s / 2), 210, 340, color, 2.4)


def tree_round(c, x, y, h, leaves=("#5b8c5a", "#6fa36b", "#4a7a4c"), trunk="#6b4a35"):
    w = h * 0.08
    c.poly([(x - w, y), (x + w, y), (x + w * 0.6, y - h * 0.55), (x - w * 0.6, y - h * 0.55)], trunk)
    r = h * 0.3
    cy = y - h * 0.68
    for i in range(9):
        a = c.rng.uniform(0, 2 * math.pi)
        dist = c.rng.uniform(0, r * 0.7)
        rr = r * c.rng.uniform(0.45, 0.7)
        c.circle(x + math.cos(a) * dist * 1.2, cy + math.sin(a) * dist * 0.8, rr, leaves[i % len(leaves)])
    c.circle(x - r * 0.25, cy - r * 0.25, r * 0.45, mix(leaves[0], "#ffffff", 0.12))


def acacia(c, x, y, h, leaf="#6b8f4e", trunk="#5a4032", dark="#55743f"):
    c.line([(x, y), (x - h * 0.02, y - h * 0.5), (x - h * 0.25, y - h * 0.85)], trunk, h * 0.035)
    c.line([(x - h * 0.02, y - h * 0.5), (x + h * 0.22, y - h * 0.86)], trunk, h * 0.03)
    c.line([(x - h * 0.02, y - h * 0.62), (x + h * 0.02, y - h * 0.9)], trunk, h * 0.02)
    cy = y - h * 0.92
    c.ellipse((x - h * 0.62, cy - h * 0.06, x + h * 0.58, cy + h * 0.08), dark)
    c.ellipse((x - h * 0.55, cy - h * 0.13, x + h * 0.1, cy + h * 0.03), leaf)
    c.ellipse((x - h * 0.15, cy - h * 0.16, x + h * 0.5, cy + h * 0.02), leaf)


def palm(c, x, y, h, lean=0.15, trunk="#7a5a40", leaf="#4f8a5b"):
    pts = []
    for i in range(21):
        t = i / 20
        pts.append((x + lean * h * t * t, y - h * t))
    for i in range(20):
        w = h * (0.035 - 0.012 * i / 20)
        c.line([pts[i], pts[i + 1]], mix(trunk, "#000000", 0.08 * (i % 2)), w * 2, round_caps=False)
    tx, ty = pts[-1]
    for k in range(9):
        ang = -math.pi + k * math.pi / 8 + 0.1 * math.sin(k)
        length = h * c.rng.uniform(0.38, 0.5)
        droop = 0.55
        leafpts_top, leafpts_bot = [], []
        for i in range(13):
            t = i / 12
            px = tx + math.cos(ang) * length * t
            py = ty + math.sin(ang) * length * t * 0.6 + droop * length * t * t
            wid = h * 0.035 * math.sin(math.pi * t)
            leafpts_top.append((px, py - wid))
            leafpts_bot.append((px, py + wid))
        c.poly(leafpts_top + leafpts_bot[::-1], mix(leaf, "#1d3b26", 0.25 * (k % 2)))
    c.circle(tx, ty + 4, h * 0.03, "#5a4030")


def baobab(c, x, y, h, trunk="#8a6a55", leaf="#6e8b4e"):
    tw = h * 0.16
    c.poly([(x - tw * 1.3, y), (x + tw * 1.3, y), (x + tw * 0.85, y - h * 0.55),
            (x + tw * 0.6, y - h * 0.62), (x - tw * 0.6, y - h * 0.62), (x - tw * 0.85, y - h * 0.55)], trunk)
    for dx, dy, w in ((-0.45, -0.95, 0.05), (-0.2, -1.0, 0.04), (0.15, -1.02, 0.045),
                      (0.42, -0.9, 0.05), (0.0, -0.98, 0.04)):
        c.line([(x + dx * h * 0.25, y - h * 0.6), (x + dx * h, y + dy * h)], trunk, h * w)
        for k, (ox, oy, r) in enumerate(((-0.06, 0.0, 0.055), (0.05, -0.01, 0.05), (0.0, -0.04, 0.045))):
            c.circle(x + dx * h + ox * h, y + dy * h + oy * h, r * h, leaf)
    c.poly([(x - tw * 0.2, y - h * 0.05), (x + tw * 0.05, y - h * 0.05), (x - tw * 0.1, y - h * 0.5)],
           mix(trunk, "#000000", 0.12))


def bush(c, x, y, r, color="#6a9a5e"):
    for dx, dy, k in ((-0.6, 0.1, 0.7), (0.6, 0.1, 0.7), (0, -0.2, 1.0)):
        c.circle(x + dx * r, y + dy * r - r * 0.5, r * k, color)
    c.circle(x - r * 0.2, y - r * 0.95, r * 0.35, mix(color, "#ffffff", 0.15))


def person(c, x, y, h, cloth="#e07a5f", skin="#6e4530", child=False, dress=True, wrap=None,
           carry=None, walk=0.0, arm_up=False, trousers="#3d405b"):
    """Flat stylised figure standing on (x, y), height h."""
    hr = h * (0.1 if child else 0.085)
    head_y = y - h + hr
    sh_y = head_y + hr + h * 0.03
    hip_y = y - h * 0.45
    shw = h * (0.13 if child else 0.12)
    # legs
    leg_w = h * 0.055
    spread = h * 0.05 + walk * h * 0.08
    for sx in (-1, 1):
        c.line([(x + sx * h * 0.035, hip_y), (x + sx * spread, y - leg_w / 2)],
               skin if dress else trousers, leg_w)
        c.ellipse((x + sx * spread - leg_w, y - leg_w * 0.8, x + sx * spread + leg_w * 0.9, y + leg_w * 0.3), "#3a2a22")
    # arms
    arm_w = h * 0.045
    for sx in (-1, 1):
        if arm_up and sx == 1:
            c.line([(x + sx * shw * 0.9, sh_y + arm_w), (x + shw * 1.8, sh_y - h * 0.18)], skin, arm_w)
        else:
            c.line([(x + sx * shw * 0.9, sh_y + arm_w), (x + sx * shw * 1.25, hip_y + h * 0.02)], skin, arm_w)
    # torso / dress
    if dress:
        c.poly([(x - shw, sh_y), (x + shw, sh_y), (x + shw * 0.8, hip_y - h * 0.05),
                (x + shw * 1.5, y - h * 0.14), (x - shw * 1.5, y - h * 0.14), (x - shw * 0.8, hip_y - h * 0.05)], cloth)
    else:
        c.poly([(x - shw, sh_y), (x + shw, sh_y), (x + shw * 0.85, hip_y + h * 0.02),
                (x - shw * 0.85, hip_y + h * 0.02)], cloth)
    c.circle(x - shw * 0.95, sh_y + arm_w * 0.5, arm_w * 0.75, cloth)
    c.circle(x + shw * 0.95, sh_y + arm_w * 0.5, arm_w * 0.75, cloth)
    # neck + head
    c.rect((x - hr * 0.35, head_y, x + hr * 0.35, sh_y + 2), skin)
    c.circle(x, head_y, hr, skin)
    if wrap:
        c.ellipse((x - hr * 1.05, head_y - hr * 1.35, x + hr * 1.05, head_y - hr * 0.05), wrap)
        c.circle(x + hr * 0.7, head_y - hr * 0.9, hr * 0.4, wrap)
    else:
        c.ellipse((x - hr, head_y - hr, x + hr, head_y + hr * 0.1), mix(skin, "#000000", 0.45))
    if carry == "basin":
        c.poly([(x - hr * 2.4, head_y - hr * 1.9), (x + hr * 2.4, head_y - hr * 1.9),
                (x + hr * 1.5, head_y - hr * 0.9), (x - hr * 1.5, head_y - hr * 0.9)], "#d9822b")
        c.ellipse((x - hr * 2.4, head_y - hr * 2.2, x + hr * 2.4, head_y - hr * 1.6), "#f2a65a")
    elif carry == "backpack":
        c.rect((x - shw * 1.55, sh_y + h * 0.02, x - shw * 0.7, hip_y - h * 0.02), "#2b6777", radius=h * 0.02)
    return head_y


def jerrycan(c, x, y, s, color="#f2c14e"):
    """Jerrycan standing on (x, y) of height s."""
    w = s * 0.72
    dark = mix(color, "#000000", 0.25)
    c.rect((x - w / 2, y - s, x + w / 2, y), color, radius=s * 0.1)
    c.rect((x - w / 2 + s * 0.08, y - s * 0.85, x + w / 2 - s * 0.08, y - s * 0.12), mix(color, "#ffffff", 0.15),
           radius=s * 0.06)
    c.rect((x - w * 0.35, y - s * 1.18, x + w * 0.05, y - s * 0.98), dark, radius=s * 0.05)
    c.rect((x - w * 0.25, y - s * 1.12, x - w * 0.02, y - s * 1.02), mix(color, "#ffffff", 0.35), radius=s * 0.03)
    c.rect((x + w * 0.12, y - s * 1.14, x + w * 0.34, y - s * 0.98), dark, radius=s * 0.03)
    c.line([(x - w / 2 + s * 0.1, y - s * 0.5), (x + w / 2 - s * 0.1, y - s * 0.5)], dark, s * 0.03)


def tin_roof(c, pts, color="#9aa8b0", lines=14):
    c.poly(pts, color)
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts
    for i in range(1, lines):
        t = i / lines
        a = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
        b = (x3 + (x2 - x3) * t, y3 + (y2 - y3) * t)
        c.line([a, b], mix(color, "#000000", 0.12), 2.2, round_caps=False)


def house(c, x, y, w, h, wall="#e8c9a0", roof="#9aa8b0", door="#3d5a80", shutters="#2a9d8f", roof_h=None):
    roof_h = roof_h or h * 0.45
    c.shadow((x - w * 0.05, y - h * 0.06, x + w * 1.08, y + h * 0.08), alpha=70, blur=8)
    c.rect((x, y - h, x + w, y), wall)
    c.rect((x, y - h * 0.12, x + w, y), mix(wall, "#000000", 0.12))
    tin_roof(c, [(x - w * 0.06, y - h), (x + w * 0.5, y - h - roof_h), (x + w * 0.5, y - h - roof_h),
                 (x + w * 1.06, y - h)], roof, lines=1)
    c.poly([(x - w * 0.06, y - h), (x + w * 0.5, y - h - roof_h), (x + w * 1.06, y - h)], roof)
    c.poly([(x - w * 0.06, y - h), (x + w * 0.5, y - h - roof_h), (x + w * 0.5, y - h - roof_h * 0.86),
            (x + w * 0.02, y - h + h * 0.04)], mix(roof, "#ffffff", 0.15))
    c.rect((x + w * 0.42, y - h * 0.62, x + w * 0.58, y), door)
    for wx in (0.12, 0.72):
        c.rect((x + w * wx, y - h * 0.62, x + w * (wx + 0.16), y - h * 0.32), "#4a3a30")
        c.rect((x + w * wx, y - h * 0.62, x + w * (wx + 0.05), y - h * 0.32), shutters)
        c.rect((x + w * (wx + 0.11), y - h * 0.62, x + w * (wx + 0.16), y - h * 0.32), shutters)


def ground(c, top, stops):
    c.grad_rect((0, top, W, H), stops)


def grass_tufts(c, n, box, color="#7ea35a"):
    x0, y0, x1, y1 = box
    for _ in range(n):
        x, y = c.rng.uniform(x0, x1), c.rng.uniform(y0, y1)
        s = 6 + (y - y0) / max(1, y1 - y0) * 14
        for k in (-1, 0, 1):
            c.line([(x, y), (x + k * s * 0.5, y - s)], color, 2.2)


# --------------------------------------------------------------------------- scenes
SCENES = {}


def scene(name):
    def deco(fn):
        SCENES[name] = fn
        return fn
    return deco


def sahel_backdrop(c, sky_stops, hills, ground_stops, horizon=620, sun_at=None):
    sky(c, sky_stops, horizon)
    if sun_at:
        sun(c, *sun_at)
    for i, (base, col) in enumerate(hills):
        ridge(c, base, [(18 + 6 * i, 1.3), (10, 3.1), (4, 7)], fill=col)
    ground(c, horizon, ground_stops)


@scene("pompe-a-eau.jpg")
def s_pump(c):
    sahel_backdrop(c, even("#8fc6e3", "#cfe7ee", "#fcefd8"),
                   [(560, "#b9c9a3"), (600, "#9cb48a")], even("#e7bd86", "#d39a5f", "#c0834c"),
                   horizon=620, sun_at=(1300, 190, 60))
    acacia(c, 230, 640, 300)
    acacia(c, 1450, 630, 220)
    # concrete apron
    c.shadow((380, 760, 1260, 900), alpha=90, blur=14)
    c.ellipse((400, 720, 1240, 880), "#c9c2b5")
    c.ellipse((430, 715, 1210, 855), "#ddd6c9")
    c.ellipse((600, 770, 900, 835), "#8ec8df")
    c.ellipse((640, 780, 860, 822), "#b5def0")
    # pump
    px = 760
    c.rect((px - 38, 420, px + 38, 790), "#2f6f9f", radius=16)
    c.rect((px - 38, 420, px - 10, 790), "#3f86bb", radius=12)
    c.rect((px - 60, 770, px + 60, 800), "#25587f", radius=8)
    c.rect((px - 50, 395, px + 50, 435), "#25587f", radius=12)
    c.rect((px + 30, 560, px + 140, 590), "#2f6f9f", radius=10)
    c.rect((px + 120, 560, px + 146, 640), "#2f6f9f", radius=8)
    c.line([(px, 410), (px - 250, 300)], "#25587f", 18)
    c.circle(px, 412, 20, "#1f4b6d")
    # water stream
    lay, d = c.layer()
    c.rect((px + 124, 640, px + 142, 765), (190, 230, 245, 200), radius=8, d=d)
    c.merge(lay, 1.5)
    c.ellipse((px + 100, 755, px + 170, 785), "#d9f0f7")
    # jerrycans in a row
    cols = ["#f2c14e", "#2a9d8f", "#e76f51", "#f2c14e", "#457b9d", "#f4a259"]
    for i, col in enumerate(cols):
        jx = 470 + i * 95 if i < 2 else 980 + (i - 2) * 95
        c.shadow((jx - 40, 825, jx + 50, 855), alpha=80, blur=6)
        jerrycan(c, jx, 845 + (i % 2) * 8, 110, col)
    # people
    person(c, 1120, 760, 260, cloth="#c8553d", skin=SKIN[1], wrap="#f2cc8f", carry="basin")
    person(c, 300, 860, 300, cloth="#6d597a", skin=SKIN[3], wrap="#e9c46a")
    person(c, 380, 870, 190, cloth="#81b29a", skin=SKIN[2], child=True, dress=False)
    c.vignette(50)


@scene("puits-du-village.jpg")
def s_well(c):
    sahel_backdrop(c, even("#f6b98a", "#f9d6ad", "#fdf0d8"),
                   [(540, "#d9a58a"), (580, "#c48c74")], even("#e4b47e", "#cf9660", "#b97d4b"),
                   horizon=600, sun_at=(320, 300, 70))
    birds(c, 5, (900, 140, 1300, 260), "#8a5a50")
    baobab(c, 1320, 640, 420)
    cx, top, bottom = 760, 560, 800
    c.shadow((480, 760, 1060, 860), alpha=90, blur=14)
    # well body
    c.rect((540, top, 980, bottom), "#b9a58e")
    for row in range(6):
        y = top + row * 40
        off = 0 if row % 2 else 40
        for k in range(-1, 6):
            bx = 540 + off + k * 80
            c.rect((max(540, bx + 3), y + 3, min(980, bx + 77), y + 37), mix("#c9b59c", "#8d7a66", (row * 7 + k * 3) % 5 / 10), radius=4)
    c.ellipse((520, top - 45, 1000, top + 45), "#a8937c")
    c.ellipse((560, top - 30, 960, top + 30), "#3c3430")
    c.ellipse((600, top - 16, 920, top + 22), "#4d6f7a")
    c.ellipse((650, top - 6, 800, top + 12), "#6f98a3")
    c.ellipse((540, bottom - 30, 980, bottom + 30), "#a8937c")
    # frame
    for x in (575, 945):
        c.rect((x - 16, 300, x + 16, top + 20), "#7a5436", radius=6)
    c.rect((540, 290, 980, 318), "#8a6240", radius=8)
    c.circle(cx, 330, 26, "#5a3e2b")
    c.circle(cx, 330, 10, "#a07a55")
    c.line([(cx, 350), (cx, 470)], "#d8c4a0", 4)
    c.poly([(cx - 34, 470), (cx + 34, 470), (cx + 26, 520), (cx - 26, 520)], "#d97b3f")
    c.ellipse((cx - 34, 462, cx + 34, 478), "#f0a36a")
    person(c, 1090, 850, 300, cloth="#2a9d8f", skin=SKIN[0], wrap="#e07a5f")
    person(c, 420, 860, 280, cloth="#e9c46a", skin=SKIN[4], wrap="#bc4b51", carry="basin")
    jerrycan(c, 1180, 860, 100, "#f2c14e")
    c.vignette(55)


@scene("ecole-du-village.jpg")
def s_school(c):
    sahel_backdrop(c, even("#7fbde0", "#c5e3ef", "#f8f1e0"),
                   [(520, "#a9c49a"), (560, "#8fb07f")], even("#e6c08e", "#d4a06a", "#c48d58"),
                   horizon=590, sun_at=(1380, 150, 55))
    tree_round(c, 180, 640, 420)
    tree_round(c, 1480, 620, 360, leaves=("#6a9a5e", "#7fb06f", "#557f4c"))
    x0, x1, top, base = 330, 1280, 380, 640
    c.shadow((300, 610, 1320, 680), alpha=90, blur=12)
    c.rect((x0, top, x1, base), "#f1dfbf")
    c.rect((x0, base - 40, x1, base), "#d9b88e")
    tin_roof(c, [(x0 - 50, top + 10), (x0 - 10, top - 70), (x1 + 10, top - 70), (x1 + 50, top + 10)],
             "#a7b6bd", lines=40)
    c.rect((x0 - 50, top + 4, x1 + 50, top + 22), "#7f8f97")
    for i in range(5):
        bx = x0 + 50 + i * 185
        if i == 2:
            c.rect((bx + 20, top + 70, bx + 120, base), "#e07a5f")
            c.rect((bx + 28, top + 80, bx + 112, base), "#c8553d")
        else:
            c.rect((bx, top + 80, bx + 140, top + 170), "#3c5a73")
            for k in range(1, 4):
                c.line([(bx + k * 35, top + 80), (bx + k * 35, top + 170)], "#e9d5b0", 5, round_caps=False)
            c.rect((bx - 6, top + 170, bx + 146, top + 182), "#d9b88e")
    # flag pole
    c.rect((1340, 300, 1350, 650), "#8a8f94")
    c.poly([(1350, 305), (1450, 330), (1350, 360)], "#f4a259")
    # children walking to school with backpacks
    xs = [520, 610, 700, 880, 980, 1120]
    for i, x in enumerate(xs):
        y = 800 + (i % 3) * 40
        person(c, x, y, 200 + (i % 2) * 25, cloth=CLOTH[(i * 3) % len(CLOTH)], skin=SKIN[i % len(SKIN)],
               child=True, dress=i % 2 == 0, carry="backpack", walk=0.6, trousers="#3d405b")
    grass_tufts(c, 40, (0, 680, W, 990), "#b48a4f")
    c.vignette(50)


@scene("salle-de-classe.jpg")
def s_classroom(c):
    c.grad_rect((0, 0, W, 700), even("#f3dfbf", "#ecd2aa"))
    c.grad_rect((0, 700, W, H), even("#c99d6e", "#b5875a"))
    # window light
    lay, d = c.layer("#fff0c8")
    c.poly([(1230, 120), (1480, 120), (1100, 1000), (700, 1000)], (255, 240, 200, 70), d=d)
    c.merge(lay, 25)
    c.rect((1230, 120, 1480, 420), "#9fd0e6")
    for k in range(1, 3):
        c.line([(1230 + k * 83, 120), (1230 + k * 83, 420)], "#7a5436", 8, round_caps=False)
    c.rect((1220, 110, 1490, 124), "#7a5436")
    c.rect((1220, 416, 1490, 432), "#7a5436")
    # blackboard with chalk drawings (no text)
    c.shadow((170, 150, 1090, 560), alpha=70, blur=14)
    c.rect((180, 140, 1080, 520), "#8a6240", radius=10)
    c.rect((200, 160, 1060, 500), "#2f5244")
    chalk = "#e8efe6"
    c.arc((260, 220, 420, 380), 0, 360, chalk, 5)
    c.line([(500, 380), (600, 220), (700, 380), (500, 380)], chalk, 5)
    for i in range(4):
        c.line([(780, 230 + i * 40), (980, 230 + i * 40)], chalk, 4)
    c.line([(260, 440), (420, 440)], chalk, 4)
    c.line([(340, 410), (340, 470)], chalk, 4)
    c.line([(500, 440), (980, 440)], "#f2cc8f", 4)
    c.rect((200, 500, 1060, 514), "#6b4a35")
    c.rect((900, 492, 950, 502), "#ffffff")
    # teacher
    person(c, 1160, 760, 430, cloth="#3d5a80", skin=SKIN[0], wrap="#e07a5f", arm_up=True)
    # desks and pupils seen from behind
    rows = [(700, 0.75), (820, 0.9), (960, 1.08)]
    for ri, (y, k) in enumerate(rows):
        for ci in range(4):
            x = 180 + ci * 270 + (ri % 2) * 60
            # pupils (heads and shoulders)
            for j, dx in enumerate((-55, 55)):
                px = x + dx * k
                col = CLOTH[(ri * 4 + ci * 2 + j) % len(CLOTH)]
                c.ellipse((px - 55 * k, y - 120 * k, px + 55 * k, y), col)
                c.circle(px, y - 140 * k, 34 * k, SKIN[(ri + ci + j) % len(SKIN)])
                c.ellipse((px - 34 * k, y - 176 * k, px + 34 * k, y - 135 * k), "#2b1d17")
            c.rect((x - 130 * k, y - 30 * k, x + 130 * k, y + 10 * k), "#8a5a35", radius=6)
            c.rect((x - 130 * k, y - 30 * k, x + 130 * k, y - 18 * k), "#a87447", radius=6)
    c.vignette(60)


@scene("poste-de-sante.jpg")
def s_health(c):
    sahel_backdrop(c, even("#9bcfe0", "#d5ecf0", "#fbf3e3"),
                   [(540, "#b3cba0"), (575, "#9db98b")], even("#e3c094", "#d1a676", "#c0915f"),
                   horizon=600)
    palm(c, 150, 660, 460, lean=0.2)
    tree_round(c, 1470, 650, 380)
    x0, x1, top, base = 380, 1220, 330, 660
    c.shadow((350, 630, 1260, 700), alpha=90, blur=12)
    c.rect((x0, top, x1, base), "#fbf8f2")
    c.rect((x0, base - 50, x1, base), "#8fb8a8")
    tin_roof(c, [(x0 - 40, top + 10), (x0, top - 60), (x1, top - 60), (x1 + 40, top + 10)], "#5f9c8f", lines=36)
    # sign with green cross
    c.circle(800, top + 95, 70, "#ffffff")
    c.circle(800, top + 95, 64, "#2a9d8f")
    c.rect((785, top + 50, 815, top + 140), "#ffffff")
    c.rect((755, top + 80, 845, top + 110), "#ffffff")
    # doors/windows
    c.rect((740, top + 190, 860, base), "#3d7f74")
    c.rect((752, top + 200, 848, base), "#4a968a")
    for bx in (450, 590, 940, 1080):
        c.rect((bx, top + 200, bx + 100, top + 280), "#6b8f9a")
        c.line([(bx + 50, top + 200), (bx + 50, top + 280)], "#fbf8f2", 5, round_caps=False)
    # bench and queue
    c.rect((420, 700, 700, 720), "#8a5a35")
    for i in range(4):
        person(c, 460 + i * 70, 780, 190, cloth=CLOTH[(i * 5) % 12], skin=SKIN[i], wrap=CLOTH[(i * 5 + 3) % 12])
    person(c, 960, 820, 280, cloth="#ffffff", skin=SKIN[1], dress=False, trousers="#2a9d8f")
    person(c, 1060, 830, 270, cloth="#bc4b51", skin=SKIN[3], wrap="#f2cc8f")
    person(c, 1115, 840, 130, cloth="#e9c46a", skin=SKIN[3], child=True)
    c.vignette(50)


@scene("potager-collectif.jpg")
def s_garden(c):
    sky(c, even("#a6d3e3", "#dcefe9", "#fbf3dc"), 420)
    sun(c, 1250, 140, 55)
    ridge(c, 380, [(20, 1.2), (8, 3)], fill="#a9c79a")
    ridge(c, 410, [(14, 1.7), (6, 4)], fill="#8db57f")
    ground(c, 420, even("#b98a5a", "#a5764a", "#8f6340"))
    vx, vy = 800, 300  # vanishing point
    beds = 7
    for i in range(beds):
        xa = -700 + i * (3000 / beds)
        xb = xa + 3000 / beds * 0.62
        ta, tb = (xa - vx) * 0.12 + vx, (xb - vx) * 0.12 + vx
        ya = 440
        c.poly([(ta, ya), (tb, ya), (xb, H + 10), (xa, H + 10)], "#6e4a30")
        c.poly([(ta, ya), (tb, ya), (xb, H + 10), (xa, H + 10)], "#7f5838")
        # plants along the bed
        for j in range(16):
            t = (j + 0.5) / 16
            t2 = t ** 1.9
            y = ya + (H + 10 - ya) * t2
            cx = ta + (tb - ta) / 2 + ((xa + xb) / 2 - (ta + tb) / 2) * t2
            width = (tb - ta) + ((xb - xa) - (tb - ta)) * t2
            r = 6 + 60 * t2
            greens = ["#4f8a4b", "#6aa85c", "#3f7a45", "#7fb86a"]
            g = greens[(i + j) % 4]
            for dx in (-0.22, 0.22):
                px = cx + dx * width
                c.circle(px, y - r * 0.6, r, g)
                c.circle(px - r * 0.45, y - r * 0.9, r * 0.6, mix(g, "#ffffff", 0.18))
                if (i + j) % 3 == 0 and r > 20:
                    c.circle(px + r * 0.3, y - r * 0.5, r * 0.28, "#e0533d")
    # gardener with watering can
    person(c, 1230, 720, 300, cloth="#f4a259", skin=SKIN[1], wrap="#3d5a80")
    c.poly([(1275, 600), (1345, 600), (1340, 660), (1280, 660)], "#5f9c8f")
    c.line([(1340, 615), (1410, 580)], "#5f9c8f", 10)
    lay, d = c.layer()
    for k in range(6):
        c.line([(1410 + k * 3, 585), (1425 + k * 8, 680)], (190, 230, 245, 170), 2, d=d)
    c.merge(lay, 1)
    c.vignette(55)


@scene("maison-en-construction.jpg")
def s_building(c):
    sahel_backdrop(c, even("#f3b48b", "#f8d3a8", "#fcecd2"),
                   [(560, "#c99a7f"), (600, "#b7866c")], even("#dcae7c", "#c99461", "#b27e4e"),
                   horizon=620, sun_at=(1350, 260, 60))
    acacia(c, 170, 640, 260)
    # slab
    c.shadow((300, 780, 1300, 860), alpha=90, blur=12)
    c.rect((320, 760, 1280, 800), "#b8b0a4")
    # brick walls, partly built (step profile)
    heights = [9, 9, 9, 8, 7, 6, 6, 5, 4, 3, 2, 2]
    bw, bh = 80, 40
    for col, n in enumerate(heights):
        for row in range(n):
            x = 340 + col * bw + (bw / 2 if row % 2 else 0)
            if x + bw > 1280:
                continue
            y = 760 - (row + 1) * bh
            tone = mix("#c9744a", "#a85a36", ((col * 3 + row * 5) % 7) / 7)
            c.rect((x + 3, y + 3, x + bw - 3, y + bh - 3), tone, radius=3)
    # window and door openings
    c.rect((500, 520, 620, 640), "#f6cfa2")
    c.rect((760, 560, 860, 760), "#f6cfa2")
    # scaffold
    for x in (330, 560, 790):
        c.rect((x, 330, x + 12, 780), "#8a6240")
    c.rect((320, 450, 810, 466), "#a07a55")
    c.rect((320, 340, 810, 354), "#a07a55")
    c.line([(336, 770), (570, 460)], "#8a6240", 8)
    c.line([(566, 770), (800, 460)], "#8a6240", 8)
    # roof beams stack
    for i in range(5):
        c.rect((1000, 840 - i * 16, 1350, 852 - i * 16), mix("#b0844f", "#8a6240", i / 5), radius=3)
    # wheelbarrow
    c.poly([(1060, 700), (1230, 700), (1200, 760), (1090, 760)], "#3d7f9f")
    c.circle(1100, 775, 24, "#333333")
    c.line([(1230, 705), (1300, 760)], "#5a4032", 8)
    c.ellipse((1080, 680, 1210, 715), "#9a9590")
    # builders
    person(c, 450, 440, 200, cloth="#f4a259", skin=SKIN[0], dress=False, trousers="#3d405b", arm_up=True)
    person(c, 960, 880, 300, cloth="#457b9d", skin=SKIN[2], dress=False, trousers="#6d597a")
    person(c, 1400, 900, 290, cloth="#bc4b51", skin=SKIN[4], wrap="#e9c46a", carry="basin")
    c.vignette(55)


@scene("collines-au-lever-du-soleil.jpg")
def s_hills(c):
    sky(c, [(0, "#f3a07f"), (0.45, "#f8c89a"), (0.8, "#fde3bb"), (1, "#fff2d6")], 700)
    sun(c, 820, 520, 90, color="#fff6d8", glow="#ffd08a", glow_r=5)
    birds(c, 7, (300, 180, 800, 330), "#9a5a4e", size=18)
    layers = [(470, "#e7a98f", 22), (540, "#d38e7a", 28), (610, "#b8736a", 34), (690, "#8f5a5a", 40),
              (790, "#6b4552", 46)]
    for i, (base, col, amp) in enumerate(layers):
        ridge(c, base, [(amp, 1.1 + i * 0.2), (amp * 0.4, 3.3), (amp * 0.15, 8)], fill=col, seed=10 + i)
        if i < 4:
            mist(c, base + 10, 60, "#ffe8d0", 70)
    for x, h in ((140, 240), (230, 180), (1430, 260), (1520, 200)):
        acacia(c, x, 1000, h, leaf="#4f3442", trunk="#4f3442", dark="#43293a")
    c.vignette(60)


@scene("panneaux-solaires.jpg")
def s_solar(c):
    sahel_backdrop(c, even("#6fb3e0", "#b9dcee", "#f5efe0"),
                   [(560, "#b0c7a0"), (590, "#9bb68b")], even("#e8c796", "#d6ad78", "#c69a64"),
                   horizon=600, sun_at=(260, 160, 65))
    # building
    house(c, 1080, 620, 380, 200, wall="#f1dfbf", roof="#b35c44")
    # panel rows in perspective
    for r, (y, s) in enumerate(((640, 0.7), (760, 0.85), (900, 1.0))):
        for k in range(3):
            x = 140 + k * 300 * s + r * 30
            w, h = 260 * s, 120 * s
            c.shadow((x, y + 10, x + w + 30, y + 40), alpha=60, blur=6)
            c.line([(x + 30 * s, y), (x + 30 * s, y + 40 * s)], "#777777", 6)
            c.line([(x + w - 10 * s, y), (x + w - 10 * s, y + 40 * s)], "#777777", 6)
            pts = [(x, y), (x + w, y), (x + w + 40 * s, y - h), (x + 40 * s, y - h)]
            c.grad_poly(pts, even("#5aa0d6", "#1f4f82", "#163a63"))
            c.line([pts[0], pts[1], pts[2], pts[3], pts[0]], "#d8dde2", 4)
            for i in range(1, 4):
                t = i / 4
                c.line([(x + w * t, y), (x + 40 * s + w * t, y - h)], "#9cc3e6", 2, round_caps=False)
            for j in range(1, 3):
                t = j / 3
                c.line([(x + 40 * s * t, y - h * t), (x + w + 40 * s * t, y - h * t)], "#9cc3e6", 2, round_caps=False)
            lay, d = c.layer()
            c.poly([(x + w * 0.55, y - 2), (x + w * 0.75, y - 2), (x + w * 0.85 + 40 * s, y - h + 2),
                    (x + w * 0.65 + 40 * s, y - h + 2)], (255, 255, 255, 60), d=d)
            c.merge(lay)
    person(c, 1300, 900, 300, cloth="#e9c46a", skin=SKIN[0], dress=False, trousers="#457b9d")
    c.vignette(50)


@scene("mains-et-jeunes-pousses.jpg")
def s_hands(c):
    c.grad_rect((0, 0, W, H), even("#cfe3b8", "#a9cf94", "#7fae6d"))
    lay, d = c.layer("#cfe3b8")
    rng = c.rng
    for _ in range(28):
        x, y, r = rng.uniform(0, W), rng.uniform(0, H), rng.uniform(30, 110)
        col = rng.choice([(255, 250, 220, 70), (240, 250, 200, 60), (120, 170, 90, 60)])
        c.circle(x, y, r, col, d=d)
    c.merge(lay, 12)
    sun_x = 1300
    c.glow(sun_x, 80, 500, "#fff6cf", 0.8)
    skin, dark = "#8a5a3c", "#6e4530"
    c.shadow((430, 780, 1170, 900), alpha=80, blur=20, color="#2f4a25")
    # forearms, crossing slightly under the cupped hands
    c.poly([(560, 800), (360, 1010), (640, 1010), (800, 860)], skin)
    c.poly([(1040, 800), (1240, 1010), (960, 1010), (800, 860)], dark)
    c.poly([(560, 800), (420, 960), (460, 960), (600, 820)], mix(skin, "#ffffff", 0.1))
    # palms
    c.poly([(400, 600), (520, 820), (800, 880), (800, 700), (480, 640)], skin)
    c.poly([(1200, 600), (1080, 820), (800, 880), (800, 700), (1120, 640)], dark)
    # fingers
    for i in range(4):
        fx = 420 + i * 42
        c.line([(fx, 560 + i * 10), (fx + 40, 700)], mix(skin, "#000000", 0.08 * (i % 2)), 42)
        gx = 1180 - i * 42
        c.line([(gx, 560 + i * 10), (gx - 40, 700)], mix(dark, "#000000", 0.08 * (i % 2)), 42)
    # thumbs
    c.line([(560, 620), (700, 560)], mix(skin, "#ffffff", 0.06), 48)
    c.line([(1040, 620), (900, 560)], mix(dark, "#ffffff", 0.06), 48)
    # soil
    c.ellipse((560, 560, 1040, 690), "#5a3a24")
    c.ellipse((600, 560, 1000, 640), "#6e4a30")
    for _ in range(40):
        x, y = rng.uniform(620, 980), rng.uniform(575, 650)
        c.circle(x, y, rng.uniform(3, 7), "#4a2e1c")
    # seedling
    c.line([(800, 600), (805, 470), (800, 360)], "#4f8a3b", 14)
    leaf = "#6fbf4f"
    c.poly([(805, 470), (680, 420), (620, 360), (700, 350), (790, 420)], leaf)
    c.poly([(805, 470), (690, 410), (630, 365)], "#5aa63f")
    c.poly([(803, 400), (930, 330), (1000, 250), (900, 270), (815, 360)], leaf)
    c.poly([(803, 400), (930, 320), (990, 258)], "#5aa63f")
    c.poly([(800, 365), (770, 300), (800, 250), (830, 300)], "#8fd36a")
    c.vignette(55)


@scene("chateau-d-eau.jpg")
def s_tower(c):
    sahel_backdrop(c, even("#86c0e0", "#c9e5ef", "#fbf2de"),
                   [(580, "#b8c9a0"), (610, "#a2b88c")], even("#e2bc8a", "#cf9e68", "#b98a57"),
                   horizon=630)
    for i in range(4):
        house(c, 120 + i * 150, 700 + (i % 2) * 20, 110, 80, wall=["#e8c9a0", "#f1dfbf", "#e2b78c", "#ead2ad"][i],
              roof=["#9aa8b0", "#b35c44", "#9aa8b0", "#7f8f97"][i])
    cx = 1050
    c.shadow((880, 830, 1230, 880), alpha=90, blur=12)
    for lx, tx in ((-150, -90), (150, 90)):
        c.line([(cx + lx, 850), (cx + tx, 380)], "#8d9499", 22)
    for y in (500, 650, 780):
        t = (850 - y) / 470
        w = 150 - 60 * t
        c.line([(cx - w, y), (cx + w, y)], "#8d9499", 10)
        c.line([(cx - w, y), (cx + w * 0.8, y - 110)], "#9ea5aa", 6)
    c.ellipse((cx - 190, 330, cx + 190, 400), "#2f6f9f")
    c.rect((cx - 190, 180, cx + 190, 365), "#3f86bb")
    c.rect((cx - 190, 180, cx - 100, 365), "#5aa0d6")
    c.ellipse((cx - 190, 150, cx + 190, 215), "#5aa0d6")
    c.poly([(cx - 150, 170), (cx, 90), (cx + 150, 170)], "#2f6f9f")
    c.rect((cx - 8, 400, cx + 8, 850), "#6e7a80")
    c.rect((cx + 20, 790, cx + 200, 805), "#6e7a80")
    # standpipe with taps
    c.rect((cx + 190, 760, cx + 320, 830), "#c9c2b5", radius=8)
    for k in range(3):
        c.line([(cx + 215 + k * 40, 770), (cx + 215 + k * 40, 790)], "#5f6b70", 8)
    person(c, 1420, 900, 280, cloth="#f4a259", skin=SKIN[2], wrap="#2a9d8f")
    jerrycan(c, 1340, 905, 90, "#f2c14e")
    jerrycan(c, 1500, 910, 90, "#2a9d8f")
    c.vignette(50)


@scene("marche-local.jpg")
def s_market(c):
    sky(c, even("#f7c99a", "#fbe3c2", "#fdf2e0"), 500)
    tree_round(c, 200, 520, 520)
    tree_round(c, 1400, 500, 460)
    ground(c, 500, even("#d9a86f", "#c7925a", "#b07d4a"))
    stalls = [(140, "#e07a5f"), (560, "#2a9d8f"), (980, "#f2a65a")]
    for i, (x, col) in enumerate(stalls):
        w = 380
        c.shadow((x - 10, 760, x + w + 10, 820), alpha=80, blur=10)
        for px in (x + 10, x + w - 22):
            c.rect((px, 380, px + 12, 780), "#7a5436")
        for k in range(6):
            stripe = col if k % 2 == 0 else "#fbf3e3"
            c.poly([(x - 20 + k * (w + 40) / 6, 330), (x - 20 + (k + 1) * (w + 40) / 6, 330),
                    (x - 20 + (k + 1) * (w + 40) / 6, 400), (x - 20 + k * (w + 40) / 6, 400)], stripe)
        for k in range(6):
            c.ellipse((x - 20 + k * (w + 40) / 6, 380, x - 20 + (k + 1) * (w + 40) / 6, 420),
                      col if k % 2 == 0 else "#fbf3e3")
        c.rect((x, 620, x + w, 660), "#8a5a35")
        c.rect((x + 20, 660, x + w - 20, 770), "#6e4530")
        # produce baskets
        fruit = [["#e0533d", "#f2a65a"], ["#6aa85c", "#a7c957"], ["#f4d35e", "#ee964b"]][i]
        for b in range(3):
            bx = x + 30 + b * 115
            c.ellipse((bx, 585, bx + 100, 640), "#c49a5a")
            for f in range(9):
                fx = bx + 18 + (f % 4) * 20 + (f // 4) * 10
                fy = 590 - (f // 4) * 16
                c.circle(fx, fy, 14, fruit[f % 2])
            c.rect((bx, 605, bx + 100, 640), "#b5884c", radius=10)
        person(c, x + w / 2, 620, 200, cloth=CLOTH[(i * 4 + 1) % 12], skin=SKIN[i], wrap=CLOTH[(i * 4 + 6) % 12])
    for i in range(5):
        person(c, 260 + i * 270, 960 - (i % 2) * 30, 260, cloth=CLOTH[(i * 5 + 2) % 12], skin=SKIN[(i + 2) % 6],
               wrap=CLOTH[(i * 7) % 12] if i % 2 == 0 else None, dress=i % 2 == 0,
               carry="basin" if i == 3 else None)
    c.vignette(55)


@scene("ruchers.jpg")
def s_bees(c):
    sky(c, even("#bfe0e8", "#e3f0e6", "#f9f4e2"), 520)
    ridge(c, 470, [(26, 1.1), (10, 3)], fill="#b3cf9c")
    ridge(c, 520, [(20, 1.4), (8, 4)], fill="#96bd82")
    ground(c, 540, even("#9cc283", "#86b06f", "#6f9a5b"))
    acacia(c, 1250, 560, 420, leaf="#7a9f55", dark="#638646")
    for i, x in enumerate((250, 620, 990)):
        y = 800 - i * 30
        c.shadow((x - 20, y + 40, x + 260, y + 80), alpha=70, blur=8)
        for lx in (x + 20, x + 210):
            c.rect((lx, y - 20, lx + 16, y + 60), "#6b4a35")
        for k in range(3):
            col = ["#f2c14e", "#f4a259", "#e9c46a"][(i + k) % 3]
            c.rect((x, y - 90 - k * 80, x + 240, y - 10 - k * 80), col)
            c.rect((x, y - 90 - k * 80, x + 240, y - 80 - k * 80), mix(col, "#000000", 0.15))
        c.poly([(x - 20, y - 250), (x + 260, y - 250), (x + 240, y - 280), (x, y - 280)], "#8d6b4a")
        c.rect((x + 90, y - 30, x + 150, y - 18), "#4a3525")
    # flowers
    for _ in range(80):
        x, y = c.rng.uniform(0, W), c.rng.uniform(840, 990)
        col = c.rng.choice(["#ffffff", "#f4d35e", "#e07a5f", "#c77dff"])
        for a in range(5):
            ang = a * 2 * math.pi / 5
            c.circle(x + math.cos(ang) * 7, y + math.sin(ang) * 7, 6, col)
        c.circle(x, y, 4, "#f2a65a")
    # bees
    for _ in range(22):
        x, y = c.rng.uniform(200, 1300), c.rng.uniform(300, 700)
        c.ellipse((x - 9, y - 6, x + 9, y + 6), "#3a2a1a")
        c.ellipse((x - 6, y - 6, x + 2, y + 6), "#f2c14e")
        c.ellipse((x - 4, y - 16, x + 6, y - 4), (255, 255, 255, 255))
    person(c, 1450, 930, 300, cloth="#f1dfbf", skin=SKIN[3], dress=False, trousers="#6d597a")
    c.vignette(50)


@scene("baobab-au-couchant.jpg")
def s_baobab(c):
    sky(c, [(0, "#6a4c93"), (0.4, "#d66d75"), (0.75, "#f6a26b"), (1, "#fbd38d")], 720)
    sun(c, 1150, 640, 80, color="#ffe8b0", glow="#ffb36b", glow_r=4.5)
    ridge(c, 680, [(16, 1.0), (6, 3)], fill="#a25a6a")
    ground(c, 720, even("#7a3f52", "#5a2f42", "#3e2235"))
    baobab(c, 560, 820, 620, trunk="#3e2235", leaf="#3e2235")
    acacia(c, 1350, 760, 200, leaf="#4a2a3f", trunk="#4a2a3f", dark="#4a2a3f")
    birds(c, 6, (900, 200, 1400, 360), "#4a2a3f", size=20)
    for i in range(3):
        person(c, 1050 + i * 60, 860 + (i % 2) * 6, 180 - i * 30, cloth="#2e1a2b", skin="#2e1a2b",
               wrap="#2e1a2b" if i == 0 else None, child=i == 2)
    c.vignette(70)


@scene("riviere-et-pirogue.jpg")
def s_river(c):
    sky(c, even("#f5c39a", "#f9dcbc", "#fbeedb"), 520)
    sun(c, 1200, 330, 70)
    ridge(c, 470, [(20, 1.2), (8, 3)], fill="#a9b98f")
    for x in range(-40, W + 60, 70):
        palm(c, x + c.rng.uniform(-15, 15), 540, c.rng.uniform(150, 230), lean=c.rng.uniform(-0.2, 0.2),
             leaf="#5d8a5a", trunk="#6b5a48")
    c.grad_rect((0, 520, W, H), even("#f2c9a2", "#8fb7c2", "#4f8797"))
    lay, d = c.layer()
    for _ in range(60):
        y = c.rng.uniform(540, 980)
        x = c.rng.uniform(-100, W)
        ln = c.rng.uniform(60, 260) * (0.5 + y / 1000)
        c.line([(x, y), (x + ln, y)], (255, 245, 225, 90), 3, d=d)
    c.merge(lay, 1)
    c.glow(1200, 560, 160, "#fff0c8", 0.5)
    # pirogue
    bx, by = 500, 760
    c.poly([(bx, by), (bx + 700, by), (bx + 760, by - 60), (bx + 620, by + 40), (bx + 80, by + 40), (bx - 60, by - 60)],
           "#7a4a2f")
    c.poly([(bx - 60, by - 60), (bx, by), (bx + 700, by), (bx + 760, by - 60), (bx + 700, by - 20), (bx, by - 20)],
           "#c8553d")
    c.line([(bx + 40, by - 20), (bx + 660, by - 20)], "#f2cc8f", 6)
    person(c, bx + 560, by - 20, 250, cloth="#2a9d8f", skin=SKIN[0], dress=False, trousers="#3d405b")
    c.line([(bx + 640, by - 260), (bx + 450, by + 120)], "#5a4032", 8)
    person(c, bx + 200, by - 20, 190, cloth="#f4a259", skin=SKIN[2], wrap="#bc4b51")
    c.ellipse((bx + 290, by - 70, bx + 400, by - 20), "#d9b56a")
    lay, d = c.layer("#3c281e")
    c.poly([(bx - 40, by + 45), (bx + 720, by + 45), (bx + 620, by + 110), (bx + 80, by + 110)], (60, 40, 30, 70), d=d)
    c.merge(lay, 6)
    c.vignette(55)


@scene("bloc-sanitaire.jpg")
def s_sanitation(c):
    sahel_backdrop(c, even("#95cbe3", "#d3ebef", "#faf3e1"),
                   [(560, "#b6caa0"), (590, "#a1b98b")], even("#e3bf8f", "#d0a470", "#bc8f5d"),
                   horizon=610, sun_at=(1400, 160, 55))
    tree_round(c, 160, 660, 400)
    x0, x1, top, base = 380, 1080, 380, 700
    c.shadow((350, 670, 1120, 740), alpha=90, blur=12)
    c.rect((x0, top, x1, base), "#f4e6cc")
    c.rect((x0, base - 45, x1, base), "#8fb8c9")
    tin_roof(c, [(x0 - 30, top + 10), (x0 + 10, top - 50), (x1 - 10, top - 50), (x1 + 30, top + 10)], "#7f8f97", 30)
    for i in range(4):
        dx = x0 + 50 + i * 165
        col = "#3d7f9f" if i < 2 else "#c8553d"
        c.rect((dx, top + 90, dx + 110, base), col)
        c.rect((dx + 8, top + 100, dx + 102, base), mix(col, "#ffffff", 0.15))
        c.circle(dx + 85, top + 230, 7, "#f2cc8f")
        c.rect((dx + 15, top + 30, dx + 95, top + 60), "#6b8f9a")
    # hand-washing station
    hx = 1250
    c.rect((hx - 6, 520, hx + 6, 800), "#7a5436")
    c.rect((hx + 194, 520, hx + 206, 800), "#7a5436")
    c.rect((hx - 10, 510, hx + 210, 525), "#7a5436")
    c.rect((hx + 30, 560, hx + 170, 690), "#2a9d8f", radius=16)
    c.rect((hx + 30, 560, hx + 70, 690), "#3fb5a5", radius=12)
    c.rect((hx + 90, 690, hx + 110, 720), "#1f6f65")
    lay, d = c.layer()
    c.rect((hx + 96, 720, hx + 104, 790), (180, 225, 240, 200), d=d)
    c.merge(lay, 1)
    c.ellipse((hx + 40, 780, hx + 160, 810), "#c9c2b5")
    c.rect((hx + 150, 530, hx + 190, 555), "#f4d35e", radius=6)
    person(c, hx + 40, 870, 210, cloth="#e07a5f", skin=SKIN[2], child=True, dress=True, arm_up=True)
    person(c, 300, 880, 300, cloth="#6d597a", skin=SKIN[0], wrap="#f2cc8f")
    c.vignette(50)


@scene("cantine-scolaire.jpg")
def s_canteen(c):
    c.grad_rect((0, 0, W, 560), even("#f6e3c4", "#f0d3a8"))
    c.grad_rect((0, 560, W, H), even("#d4a373", "#b8875a"))
    c.glow(800, 200, 700, "#fff4d6", 0.6)
    # long table with bowls
    c.shadow((80, 620, 1520, 760), alpha=80, blur=16)
    c.poly([(140, 560), (1460, 560), (1560, 760), (40, 760)], "#8a5a35")
    c.poly([(140, 560), (1460, 560), (1480, 590), (120, 590)], "#a87447")
    rng = c.rng
    for row, (y, k) in enumerate(((600, 0.75), (690, 1.0))):
        n = 6 if row == 0 else 5
        for i in range(n):
            x = 230 + i * (1140 / (n - 1)) if row == 0 else 200 + i * 300
            r = 80 * k
            c.ellipse((x - r, y - r * 0.25, x + r, y + r * 0.35), "#e7e1d6")
            c.poly([(x - r, y), (x + r, y), (x + r * 0.6, y + r * 0.6), (x - r * 0.6, y + r * 0.6)],
                   ["#e07a5f", "#2a9d8f", "#f2c14e", "#457b9d", "#81b29a"][(i + row) % 5])
            c.ellipse((x - r * 0.85, y - r * 0.2, x + r * 0.85, y + r * 0.22), "#f3e3b5")
            for _ in range(8):
                c.circle(x + rng.uniform(-r * 0.6, r * 0.6), y + rng.uniform(-r * 0.1, r * 0.1), r * 0.09,
                         rng.choice(["#d96c3f", "#8fbf5a", "#c44536"]))
            lay, d = c.layer()
            for s in (-1, 1):
                pts = [(x + s * r * 0.2 + math.sin(t / 3) * 12, y - r * 0.3 - t * 9) for t in range(14)]
                c.line(pts, (255, 255, 255, 110), 5, d=d)
            c.merge(lay, 3)
    # children on the far side (heads and shoulders)
    for i in range(7):
        x = 180 + i * 205
        c.ellipse((x - 70, 420, x + 70, 560), CLOTH[(i * 5) % 12])
        c.circle(x, 380, 48, SKIN[i % 6])
        c.ellipse((x - 48, 328, x + 48, 375), "#2b1d17")
    c.poly([(140, 560), (1460, 560), (1480, 590), (120, 590)], "#a87447")
    c.vignette(60)


@scene("livres-et-cahiers.jpg")
def s_books(c):
    c.grad_rect((0, 0, W, 620), even("#f3e2c7", "#efd5b0"))
    c.grad_rect((0, 620, W, H), even("#a0714a", "#8a5f3c"))
    c.glow(1300, 150, 600, "#fff6dd", 0.7)
    # window
    c.rect((1120, 80, 1480, 460), "#bfe2ee")
    c.grad_rect((1120, 300, 1480, 460), even("#bfe2ee", "#a9cf94"))
    c.line([(1300, 80), (1300, 460)], "#8a6240", 14)
    c.line([(1120, 270), (1480, 270)], "#8a6240", 14)
    # stack of books
    cols = ["#c8553d", "#2a9d8f", "#f2c14e", "#3d5a80", "#81b29a", "#e07a5f"]
    y = 820
    c.shadow((300, 790, 1000, 860), alpha=90, blur=14)
    for i, col in enumerate(cols):
        h = 52 + (i % 3) * 8
        off = [0, 30, -20, 15, -10, 25][i]
        x0, x1 = 340 + off, 900 + off - i * 12
        c.rect((x0, y - h, x1, y), col, radius=8)
        c.rect((x1 - 30, y - h + 8, x1 - 4, y - 8), "#fbf5e6", radius=3)
        c.rect((x0 + 40, y - h / 2 - 4, x0 + 200, y - h / 2 + 4), mix(col, "#ffffff", 0.4))
        y -= h
    # open notebook
    c.shadow((980, 800, 1480, 880), alpha=80, blur=12)
    c.poly([(1000, 800), (1230, 760), (1240, 840), (1010, 870)], "#fbf8f0")
    c.poly([(1230, 760), (1460, 790), (1450, 870), (1240, 840)], "#f5f0e4")
    for k in range(6):
        c.line([(1020, 805 + k * 10), (1225, 770 + k * 10)], "#9cc3e6", 2, round_caps=False)
        c.line([(1245, 772 + k * 10), (1450, 800 + k * 10)], "#9cc3e6", 2, round_caps=False)
    # pencil
    c.line([(1080, 910), (1380, 880)], "#f2c14e", 16)
    c.poly([(1380, 872), (1420, 878), (1382, 888)], "#e9c9a0")
    c.circle(1080, 910, 9, "#e07a5f")
    # apple
    c.circle(200, 780, 60, "#d94b3a")
    c.circle(180, 760, 18, "#f08a7a")
    c.line([(205, 720), (215, 690)], "#5a4032", 6)
    c.ellipse((215, 680, 265, 705), "#6aa85c")
    c.vignette(60)


@scene("salle-de-consultation.jpg")
def s_consult(c):
    c.grad_rect((0, 0, W, 640), even("#e6f1ec", "#d6e8e0"))
    c.grad_rect((0, 640, W, H), even("#c7b9a3", "#b1a38c"))
    c.rect((0, 600, W, 640), "#9ccfc0")
    # window with light
    c.rect((120, 120, 480, 440), "#bfe2ee")
    c.grad_rect((120, 320, 480, 440), even("#bfe2ee", "#b3cf9c"))
    c.line([(300, 120), (300, 440)], "#ffffff", 14)
    lay, d = c.layer()
    c.poly([(120, 440), (480, 440), (760, 1000), (200, 1000)], (255, 255, 230, 60), d=d)
    c.merge(lay, 20)
    # cross on the wall
    c.circle(800, 220, 80, "#ffffff")
    c.rect((780, 165, 820, 275), "#2a9d8f")
    c.rect((745, 200, 855, 240), "#2a9d8f")
    # examination bed
    c.shadow((560, 820, 1160, 880), alpha=70, blur=10)
    c.rect((580, 640, 1140, 700), "#5f9c8f", radius=12)
    c.rect((580, 600, 700, 650), "#fbf8f2", radius=18)
    for x in (600, 1110):
        c.rect((x, 700, x + 16, 850), "#8d9499")
    # cabinet with medicine boxes
    c.rect((1200, 220, 1500, 850), "#f7f3ea")
    c.rect((1200, 220, 1500, 236), "#d6cdbd")
    for shelf in range(3):
        y = 320 + shelf * 140
        c.rect((1215, y, 1485, y + 10), "#d6cdbd")
        for b in range(5):
            col = ["#e07a5f", "#2a9d8f", "#f2c14e", "#457b9d", "#81b29a"][(b + shelf) % 5]
            hb = 60 + (b * 13 + shelf * 7) % 30
            c.rect((1225 + b * 52, y - hb, 1270 + b * 52, y), col, radius=4)
    c.rect((1215, 720, 1485, 840), "#e8e0d0")
    # health worker and mother with baby
    person(c, 960, 920, 420, cloth="#ffffff", skin=SKIN[0], dress=False, trousers="#2a9d8f")
    c.arc((920, 420, 1000, 500), 0, 180, "#3d5a80", 5)
    person(c, 520, 940, 400, cloth="#c8553d", skin=SKIN[2], wrap="#f2cc8f")
    c.ellipse((470, 620, 600, 690), "#f4d35e")
    c.circle(590, 640, 26, SKIN[2])
    c.vignette(55)


@scene("maison-terminee.jpg")
def s_house(c):
    sahel_backdrop(c, even("#8fc6e3", "#cde6ee", "#fbf1dc"),
                   [(520, "#a9c79a"), (560, "#8db57f")], even("#9cc283", "#86b06f", "#6f9a5b"),
                   horizon=580, sun_at=(250, 150, 60))
    palm(c, 1400, 700, 500, lean=-0.2)
    house(c, 420, 730, 700, 300, wall="#f2d9b3", roof="#b35c44", door="#2a9d8f", shutters="#3d5a80", roof_h=150)
    # path
    c.poly([(740, 730), (800, 730), (900, H), (640, H)], "#d9b98e")
    for x in (330, 1200):
        bush(c, x, 760, 60, "#5f9a55")
    for i in range(7):
        x = 360 + i * 40 if i < 3 else 1080 + (i - 3) * 40
        c.circle(x, 780, 12, ["#e07a5f", "#f4d35e", "#c77dff"][i % 3])
    person(c, 600, 900, 300, cloth="#e07a5f", skin=SKIN[1], wrap="#2a9d8f")
    person(c, 940, 910, 310, cloth="#3d5a80", skin=SKIN[4], dress=False, trousers="#6d597a")
    person(c, 760, 930, 170, cloth="#f2c14e", skin=SKIN[2], child=True, arm_up=True)
    person(c, 1050, 935, 150, cloth="#81b29a", skin=SKIN[1], child=True, dress=False)
    c.vignette(50)


@scene("rizieres-en-terrasses.jpg")
def s_rice(c):
    sky(c, even("#a9d4e0", "#dbeee9", "#f6f3e2"), 420)
    ridge(c, 300, [(40, 0.8), (15, 2.5)], fill="#9bbf9a", seed=3)
    ridge(c, 360, [(30, 1.1), (12, 3)], fill="#7fae80", seed=4)
    mist(c, 360, 50, "#ffffff", 80)
    greens = ["#8cc16b", "#a7cf7d", "#76b05c", "#b9d98c", "#6aa353", "#9ccb74"]
    for i in range(10):
        base = 400 + i * 65
        pts = ridge(c, base, [(25 + i * 2, 0.9), (10, 2.2)], fill=greens[i % 6], seed=20 + i)
        # water reflection band on some terraces
        if i % 3 == 1:
            lay, d = c.layer()
            c.poly([(x, y + 12) for x, y in pts[:-2]] + [(x, y + 30) for x, y in pts[-3::-1]],
                   (210, 235, 240, 150), d=d)
            c.merge(lay)
        c.line(pts[:-2], mix(greens[i % 6], "#3e5a30", 0.35), 4, round_caps=False)
    for i, x in enumerate((420, 760, 1080)):
        y = 820 + (i % 2) * 30
        person(c, x, y, 170, cloth=CLOTH[i * 3], skin=SKIN[i], wrap=CLOTH[(i * 3 + 5) % 12])
        c.ellipse((x - 45, y - 200, x + 45, y - 160), "#d9b56a")
    c.vignette(55)


@scene("robinet-et-bidon.jpg")
def s_tap(c):
    c.grad_rect((0, 0, W, H), even("#f3e2c5", "#eac79a", "#d8ab77"))
    c.glow(1200, 200, 700, "#fff4d6", 0.7)
    # wall
    c.rect((0, 0, W, 520), "#e9d3b0")
    for row in range(7):
        for k in range(10):
            x = k * 170 + (85 if row % 2 else 0) - 40
            c.rect((x + 4, row * 75 + 4, x + 166, row * 75 + 71), mix("#ecd6b4", "#dcc098", ((row + k) % 4) / 5), radius=4)
    c.rect((0, 520, W, 560), "#b9a58e")
    # pipe + tap
    c.rect((700, 0, 760, 330), "#8d9499")
    c.rect((690, 300, 900, 360), "#8d9499", radius=20)
    c.rect((860, 300, 920, 420), "#8d9499", radius=14)
    c.rect((780, 250, 820, 300), "#c8553d")
    c.rect((740, 240, 860, 262), "#c8553d", radius=8)
    c.rect((700, 0, 716, 330), "#a9b0b5")
    # water stream
    lay, d = c.layer()
    c.rect((872, 420, 908, 690), (185, 228, 245, 210), radius=14, d=d)
    c.rect((880, 420, 890, 690), (235, 250, 255, 200), d=d)
    c.merge(lay, 1.5)
    # jerrycan big
    c.shadow((700, 900, 1130, 960), alpha=90, blur=14)
    jerrycan(c, 900, 940, 260, "#2a9d8f")
    lay, d = c.layer()
    for k in range(8):
        a = k * math.pi / 8 + 0.2
        c.circle(890 + math.cos(a) * 60, 680 - abs(math.sin(a)) * 30, 6, (220, 245, 255, 200), d=d)
    c.merge(lay)
    jerrycan(c, 460, 940, 180, "#f2c14e")
    jerrycan(c, 1300, 940, 200, "#e76f51")
    c.vignette(60)


@scene("village-la-nuit.jpg")
def s_night(c):
    sky(c, [(0, "#0f1d3d"), (0.6, "#24386b"), (1, "#4a4f82")], 620)
    rng = c.rng
    for _ in range(160):
        x, y = rng.uniform(0, W), rng.uniform(0, 520)
        r = rng.uniform(0.8, 2.4)
        c.circle(x, y, r, (255, 250, 230, 255))
    c.circle(1300, 160, 50, "#f6f0d8")
    c.circle(1318, 150, 46, "#1a2b55")
    ridge(c, 580, [(20, 1.2), (8, 3)], fill="#1d2a4d")
    ground(c, 620, even("#2a2f4f", "#232640", "#1b1c30"))
    for i in range(6):
        x = 60 + i * 260
        y = 700 + (i % 2) * 40
        w, h = 180, 110
        c.rect((x, y - h, x + w, y), "#3b3552")
        c.poly([(x - 15, y - h), (x + w / 2, y - h - 70), (x + w + 15, y - h)], "#2a2540")
        c.rect((x + 40, y - 75, x + 80, y - 35), "#ffd27a")
        c.glow(x + 60, y - 55, 90, "#ffcf70", 0.45)
        c.rect((x + 110, y - 80, x + 145, y), "#2a2540")
    # solar street lamps
    for x in (330, 850, 1370):
        c.rect((x - 5, 560, x + 5, 900), "#55607a")
        c.poly([(x - 50, 540), (x + 40, 520), (x + 60, 545), (x - 30, 565)], "#2f5f9f")
        c.rect((x - 5, 580, x + 45, 592), "#55607a")
        c.glow(x + 40, 600, 220, "#ffe3a0", 0.55)
        c.circle(x + 40, 598, 12, "#fff6dd")
        lay, d = c.layer("#ffe6a0")
        c.poly([(x + 30, 600), (x + 50, 600), (x + 150, 900), (x - 70, 900)], (255, 230, 160, 50), d=d)
        c.merge(lay, 12)
    # children reading under a lamp
    for i, x in enumerate((800, 900)):
        c.ellipse((x - 45, 820, x + 45, 900), CLOTH[i * 5])
        c.circle(x, 800, 28, SKIN[i])
        c.rect((x - 30, 840, x + 30, 870), "#f6f0d8")
    c.vignette(70)


@scene("sacs-de-recolte.jpg")
def s_harvest(c):
    sky(c, even("#f6cf9a", "#f9e2bd", "#fbf0d9"), 520)
    sun(c, 1350, 200, 60)
    ridge(c, 490, [(16, 1.2), (6, 3)], fill="#d4b27a")
    ground(c, 520, even("#e3c07f", "#d2a764", "#bd9150"))
    # maize field at the back
    for i in range(70):
        x = i * 24 + c.rng.uniform(-6, 6)
        h = c.rng.uniform(120, 170)
        c.line([(x, 560), (x, 560 - h)], "#8d9a4a", 5)
        c.line([(x, 560 - h * 0.5), (x + 30, 560 - h * 0.7)], "#a0ad55", 5)
        c.line([(x, 560 - h * 0.7), (x - 28, 560 - h * 0.85)], "#a0ad55", 5)
        c.poly([(x - 4, 560 - h), (x + 4, 560 - h), (x, 560 - h - 30)], "#d9c06a")
    # sacks
    c.shadow((320, 860, 1200, 940), alpha=90, blur=14)
    positions = [(420, 900), (600, 905), (780, 900), (960, 905), (510, 760), (690, 765), (870, 760), (600, 620)]
    for i, (x, y) in enumerate(positions):
        col = mix("#e8d7b5", "#cdb68b", (i % 3) / 3)
        c.poly([(x - 85, y), (x + 85, y), (x + 95, y - 80), (x + 70, y - 150), (x - 70, y - 150), (x - 95, y - 80)], col)
        c.ellipse((x - 70, y - 165, x + 70, y - 135), mix(col, "#000000", 0.1))
        c.line([(x - 70, y - 60), (x + 70, y - 60)], "#2a9d8f" if i % 2 else "#c8553d", 8)
    # maize cobs
    for i in range(7):
        x = 1150 + i * 45
        c.ellipse((x - 18, 850, x + 18, 940), "#f2c14e")
        for k in range(4):
            c.line([(x - 10, 862 + k * 20), (x + 10, 862 + k * 20)], "#d9a531", 3)
        c.poly([(x - 18, 930), (x + 18, 930), (x, 970)], "#b9b56a")
    person(c, 1300, 760, 260, cloth="#3d5a80", skin=SKIN[3], wrap="#f4a259")
    person(c, 200, 880, 300, cloth="#81b29a", skin=SKIN[1], dress=False, trousers="#6d597a")
    c.vignette(55)


@scene("reboisement.jpg")
def s_trees(c):
    sky(c, even("#a9d4e8", "#d9eef0", "#f7f4e3"), 480)
    ridge(c, 420, [(30, 0.9), (10, 3)], fill="#a5c49a")
    ridge(c, 470, [(20, 1.4), (8, 4)], fill="#8fb484")
    ground(c, 480, even("#c9a06c", "#b88c58", "#a47a4a"))
    vx = 800
    for row in range(7):
        t = row / 6
        y = 520 + (H - 520) * t ** 1.6
        k = 0.25 + 0.9 * t ** 1.4
        for col in range(-6, 7):
            x = vx + col * 230 * (0.35 + t * 1.1)
            if -80 < x < W + 80:
                c.ellipse((x - 30 * k, y - 8 * k, x + 30 * k, y + 8 * k), "#8a6240")
                c.line([(x, y), (x, y - 110 * k)], "#6b4a35", 5 * k)
                for j, (dx, dy) in enumerate(((-1, -0.9), (1, -1.0), (0, -1.2), (-0.6, -0.7), (0.6, -0.75))):
                    c.circle(x + dx * 22 * k, y + dy * 100 * k, 20 * k, ["#5c9a4c", "#77b25d", "#4b8641"][j % 3])
    person(c, 1240, 850, 310, cloth="#e07a5f", skin=SKIN[2], wrap="#f2cc8f")
    person(c, 420, 880, 300, cloth="#457b9d", skin=SKIN[0], dress=False, trousers="#3d405b")
    c.line([(470, 700), (560, 880)], "#7a5436", 8)
    c.poly([(540, 870), (590, 870), (575, 905)], "#8d9499")
    c.vignette(50)


@scene("cote-et-maisons-colorees.jpg")
def s_coast(c):
    sky(c, even("#8ec9e6", "#cbe8f0", "#f8f3e2"), 560)
    sun(c, 1380, 140, 55)
    ridge(c, 260, [(60, 0.8), (25, 2.2)], fill="#8fb08a", seed=7)
    ridge(c, 340, [(50, 1.0), (18, 3)], fill="#79a077", seed=8)
    # houses on the slope
    cols = ["#f4a259", "#e07a5f", "#2a9d8f", "#f2cc8f", "#81b29a", "#c77dff", "#f4d35e", "#457b9d"]
    for i in range(22):
        row, k = divmod(i, 8)
        x = 80 + k * 190 + (row % 2) * 80 + c.rng.uniform(-20, 20)
        y = 420 + row * 70 + c.rng.uniform(-10, 10) - (x / W) * 40
        w, h = 90 + c.rng.uniform(-10, 20), 60
        c.rect((x, y - h, x + w, y), cols[(i * 3) % 8])
        c.poly([(x - 6, y - h), (x + w + 6, y - h), (x + w - 10, y - h - 24), (x + 10, y - h - 24)], "#9aa8b0")
        c.rect((x + w * 0.4, y - h * 0.6, x + w * 0.6, y), "#3b3552")
    palm(c, 160, 660, 260, lean=0.3)
    palm(c, 1460, 650, 300, lean=-0.25)
    # sea
    c.grad_rect((0, 640, W, H), even("#6cc0cf", "#3a94aa", "#2c7a92"))
    lay, d = c.layer()
    for _ in range(70):
        y = c.rng.uniform(660, 990)
        x = c.rng.uniform(-100, W)
        c.line([(x, y), (x + c.rng.uniform(40, 180), y)], (255, 255, 255, 90), 3, d=d)
    c.merge(lay, 1)
    c.poly([(0, 640), (W, 640), (W, 660), (0, 672)], "#f1dfbf")
    # fishing boat
    c.poly([(900, 820), (1200, 820), (1240, 780), (860, 780)], "#e07a5f")
    c.poly([(860, 780), (1240, 780), (1230, 770), (870, 770)], "#f4d35e")
    c.line([(1050, 770), (1050, 600)], "#5a4032", 6)
    c.poly([(1055, 610), (1055, 760), (1160, 760)], "#fbf8f0")
    c.vignette(55)


@scene("foyer-ameliore.jpg")
def s_stove(c):
    c.grad_rect((0, 0, W, 600), even("#e9c79f", "#ddb68a"))
    c.grad_rect((0, 600, W, H), even("#b5875a", "#9c7048"))
    c.glow(800, 560, 650, "#ffb060", 0.5)
    # clay stove
    c.shadow((480, 860, 1120, 940), alpha=100, blur=16)
    c.poly([(540, 560), (1060, 560), (1100, 900), (500, 900)], "#b5633c")
    c.poly([(540, 560), (700, 560), (660, 900), (500, 900)], "#c9744a")
    c.ellipse((530, 530, 1070, 600), "#a4532f")
    c.rect((700, 760, 900, 900), "#3a1f15", radius=40)
    c.glow(800, 840, 130, "#ffb347", 0.9)
    for k, (col, s) in enumerate((("#f28c28", 1.0), ("#ffd166", 0.6))):
        c.poly([(740 + 20 * k, 900), (800, 780 + 40 * k), (860 - 20 * k, 900)], col)
    # pot
    c.ellipse((560, 360, 1040, 430), "#3d4349")
    c.poly([(580, 400), (1020, 400), (990, 560), (610, 560)], "#4a5158")
    c.poly([(580, 400), (700, 400), (690, 560), (610, 560)], "#5a626a")
    c.ellipse((600, 370, 1000, 420), "#2a2f34")
    lay, d = c.layer()
    for s in range(3):
        pts = [(700 + s * 100 + math.sin(t / 2 + s) * 20, 380 - t * 18) for t in range(16)]
        c.line(pts, (255, 255, 255, 100), 12, d=d)
    c.merge(lay, 6)
    # wood sticks
    for i in range(4):
        c.line([(300 + i * 30, 930), (560 + i * 10, 880)], ["#7a5436", "#8a6240"][i % 2], 18)
    person(c, 1300, 960, 420, cloth="#f2c14e", skin=SKIN[1], wrap="#c8553d")
    c.vignette(65)


@scene("reunion-sous-l-arbre.jpg")
def s_meeting(c):
    sky(c, even("#f6c99b", "#fae0bd", "#fcf0dc"), 560)
    sun(c, 260, 300, 60)
    ridge(c, 520, [(16, 1.2), (6, 3)], fill="#cfa988")
    ground(c, 560, even("#e2b47e", "#d09c64", "#b98850"))
    # big tree
    cx = 800
    c.shadow((250, 760, 1350, 960), alpha=90, blur=30)
    c.poly([(cx - 60, 800), (cx + 60, 800), (cx + 30, 300), (cx - 30, 300)], "#6b4a35")
    for dx, dy in ((-250, 200), (250, 190), (-120, 120), (140, 110)):
        c.line([(cx, 380), (cx + dx, dy)], "#6b4a35", 26)
    for i in range(16):
        a = i / 16 * math.pi
        x = cx + math.cos(a) * 520 * c.rng.uniform(0.7, 1.0)
        y = 210 - math.sin(a) * 150 * c.rng.uniform(0.6, 1.0)
        c.circle(x, y, c.rng.uniform(90, 140), ["#5b8c5a", "#6fa36b", "#4a7a4c"][i % 3])
    c.ellipse((cx - 620, 150, cx + 620, 300), "#5b8c5a")
    # people seated in a circle (seated = shorter, wide skirts)
    seats = 10
    for i in range(seats):
        a = math.pi * 0.08 + i / (seats - 1) * math.pi * 0.84
        x = cx + math.cos(a) * 520
        y = 820 - math.sin(a) * 120 + 80
        k = 0.8 + (y - 780) / 400
        col = CLOTH[(i * 5) % 12]
        c.ellipse((x - 70 * k, y - 60 * k, x + 70 * k, y + 10 * k), mix(col, "#000000", 0.15))
        c.poly([(x - 40 * k, y - 50 * k), (x + 40 * k, y - 50 * k), (x + 32 * k, y - 150 * k), (x - 32 * k, y - 150 * k)], col)
        c.circle(x, y - 180 * k, 30 * k, SKIN[i % 6])
        if i % 2 == 0:
            c.ellipse((x - 32 * k, y - 225 * k, x + 32 * k, y - 180 * k), CLOTH[(i * 7 + 3) % 12])
    person(c, cx, 940, 330, cloth="#2a9d8f", skin=SKIN[0], wrap="#f4d35e", arm_up=True)
    c.vignette(55)


@scene("citerne-eau-de-pluie.jpg")
def s_tank(c):
    sky(c, [(0, "#7f95b0"), (0.5, "#b8c9d6"), (1, "#e9efe8")], 560)
    lay, d = c.layer()
    for x, y, r in ((300, 160, 120), (420, 140, 150), (560, 170, 110), (1100, 120, 140), (1240, 150, 110)):
        c.circle(x, y, r, (250, 250, 250, 140), d=d)
    c.merge(lay, 10)
    ridge(c, 520, [(20, 1.1), (8, 3)], fill="#90b38a")
    ground(c, 560, even("#9cc283", "#86b06f", "#6f9a5b"))
    house(c, 200, 800, 600, 280, wall="#f1dfbf", roof="#8d9aa2", door="#c8553d", shutters="#2a9d8f", roof_h=140)
    # gutter
    c.rect((150, 518, 880, 534), "#6e7a80")
    c.rect((860, 518, 880, 620), "#6e7a80")
    c.rect((860, 604, 1010, 620), "#6e7a80")
    # tank
    tx = 1150
    c.shadow((960, 840, 1350, 900), alpha=90, blur=14)
    c.rect((990, 560, 1310, 860), "#2a9d8f")
    c.rect((990, 560, 1070, 860), "#3fb5a5")
    for y in (620, 700, 780):
        c.rect((990, y, 1310, y + 8), "#23867a")
    c.ellipse((990, 530, 1310, 590), "#23867a")
    c.ellipse((1000, 536, 1300, 580), "#3fb5a5")
    c.rect((1240, 790, 1330, 810), "#6e7a80")
    jerrycan(c, 1360, 880, 90, "#f2c14e")
    # rain
    lay, d = c.layer()
    for _ in range(140):
        x, y = c.rng.uniform(0, W), c.rng.uniform(0, 900)
        c.line([(x, y), (x - 8, y + 34)], (255, 255, 255, 110), 2, d=d, round_caps=False)
    c.merge(lay)
    person(c, 1460, 920, 270, cloth="#e07a5f", skin=SKIN[2], wrap="#3d5a80")
    c.vignette(50)


@scene("cour-de-recreation.jpg")
def s_playground(c):
    sahel_backdrop(c, even("#86c3e4", "#cbe7ef", "#fbf3e0"),
                   [(520, "#abc79a"), (555, "#95b985")], even("#e8c596", "#d8ac78", "#c89a66"),
                   horizon=580, sun_at=(1420, 140, 55))
    c.rect((0, 380, 1000, 600), "#f1dfbf")
    tin_roof(c, [(-20, 390), (10, 330), (1010, 330), (1040, 390)], "#a7b6bd", 36)
    for i in range(5):
        bx = 60 + i * 190
        c.rect((bx, 440, bx + 120, 540), "#3c5a73")
    tree_round(c, 1250, 640, 480)
    # ball and children playing
    c.circle(820, 760, 26, "#f4d35e")
    c.arc((794, 734, 846, 786), 200, 340, "#e07a5f", 4)
    for i, (x, y, up) in enumerate(((400, 880, True), (560, 840, False), (700, 900, True),
                                    (960, 860, False), (1100, 920, True), (280, 800, False))):
        person(c, x, y, 220, cloth=CLOTH[(i * 7) % 12], skin=SKIN[i % 6], child=True, dress=i % 2 == 1,
               walk=0.9 if not up else 0.4, arm_up=up, trousers="#3d405b")
    c.vignette(50)


# --------------------------------------------------------------------------- partner logos
def logo(name, draw):
    size = 400 * S
    img = Image.new("RGBA", (size, size), (255, 255, 255, 255))
    d = ImageDraw.Draw(img)
    draw(d, size)
    img.convert("RGB").resize((400, 400), Image.LANCZOS).save(OUT / name, "PNG", optimize=True)


def logo_horizon(d, s):
    d.ellipse([s * 0.1, s * 0.1, s * 0.9, s * 0.9], fill=rgb("#f4a259"))
    d.pieslice([s * 0.25, s * 0.3, s * 0.75, s * 0.8], 180, 360, fill=rgb("#fff4d6"))
    for k in range(3):
        y = s * (0.58 + k * 0.08)
        d.rectangle([s * 0.2 + k * s * 0.05, y, s * 0.8 - k * s * 0.05, y + s * 0.035], fill=rgb("#fff4d6"))


def logo_water(d, s):
    d.rounded_rectangle([s * 0.08, s * 0.08, s * 0.92, s * 0.92], radius=s * 0.18, fill=rgb("#1f5f8b"))
    d.ellipse([s * 0.3, s * 0.4, s * 0.7, s * 0.8], fill=rgb("#8fd3f0"))
    d.polygon([(s * 0.5, s * 0.15), (s * 0.31, s * 0.53), (s * 0.69, s * 0.53)], fill=rgb("#8fd3f0"))
    d.ellipse([s * 0.38, s * 0.55, s * 0.48, s * 0.68], fill=rgb("#dff4fb"))


def logo_leaf(d, s):
    d.ellipse([s * 0.08, s * 0.08, s * 0.92, s * 0.92], fill=rgb("#2f6b3f"))
    (x0, y0), (x1, y1) = (0.3, 0.74), (0.72, 0.26)
    nx, ny = -(y1 - y0), (x1 - x0)
    norm = math.hypot(nx, ny)
    nx, ny = nx / norm, ny / norm
    left, right = [], []
    for i in range(41):
        t = i / 40
        cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        w = 0.17 * math.sin(math.pi * t) ** 0.8
        left.append(((cx + nx * w) * s, (cy + ny * w) * s))
        right.append(((cx - nx * w) * s, (cy - ny * w) * s))
    d.polygon(left, fill=rgb("#8cc66b"))
    d.polygon(right, fill=rgb("#5aa35a"))
    d.line([(0.24 * s, 0.8 * s), (x1 * s, y1 * s)], fill=rgb("#f6f1e1"), width=int(s * 0.02))


def logo_house(d, s):
    d.rectangle([0, 0, s, s], fill=rgb("#fbf3e3"))
    d.polygon([(s * 0.5, s * 0.12), (s * 0.9, s * 0.48), (s * 0.1, s * 0.48)], fill=rgb("#c8553d"))
    d.rectangle([s * 0.2, s * 0.48, s * 0.8, s * 0.86], fill=rgb("#3d5a80"))
    d.rectangle([s * 0.42, s * 0.62, s * 0.58, s * 0.86], fill=rgb("#f2cc8f"))
    for k in range(2):
        d.rectangle([s * (0.26 + k * 0.38), s * 0.56, s * (0.36 + k * 0.38), s * 0.66], fill=rgb("#f2cc8f"))


LOGOS = {
    "partenaire-fondation-horizon-partage.png": logo_horizon,
    "partenaire-eaux-claires-ingenierie.png": logo_water,
    "partenaire-terres-fertiles.png": logo_leaf,
    "partenaire-batir-ensemble.png": logo_house,
}


# --------------------------------------------------------------------------- annual report (PDF)
DOCS = Path(__file__).resolve().parent / "documents"

REPORT_PAGES = [
    [
        ("rect", 0, 742, 595, 100, "0.122 0.373 0.545"),
        ("text", 50, 790, 26, "F2", "1 1 1", "Vision d'Amour"),
        ("text", 50, 760, 16, "F1", "1 1 1", "Rapport annuel 2025"),
        ("text", 50, 700, 14, "F2", "0.2 0.2 0.2", "Le mot de la présidente"),
        ("para", 50, 680, 11, [
            "En 2025, grâce à 4 870 donatrices et donateurs, à 12 entreprises partenaires et à trois",
            "fondations, nous avons achevé trois projets et en avons lancé trois nouveaux. Ce rapport",
            "rend compte, projet par projet, de l'usage de chaque euro qui nous a été confié.",
            "Merci pour votre confiance et votre fidélité.",
        ]),
        ("text", 50, 600, 14, "F2", "0.2 0.2 0.2", "Chiffres clés 2025"),
        ("para", 50, 580, 11, [
            "Ressources totales : 1 236 400 €",
            "Personnes ayant bénéficié d'un projet achevé : 8 024",
            "Projets achevés : 3   -   Projets lancés : 3",
            "Bénévoles actifs : 124",
        ]),
        ("text", 50, 490, 14, "F2", "0.2 0.2 0.2", "Emploi de 100 € de ressources"),
        ("bar", 50, 450, 82, "0.059 0.463 0.431", "Programmes sur le terrain : 82 €"),
        ("bar", 50, 420, 11, "0.631 0.290 0.043", "Frais de collecte : 11 €"),
        ("bar", 50, 390, 7, "0.427 0.247 0.561", "Fonctionnement : 7 €"),
        ("para", 50, 340, 10, [
            "Comptes certifiés sans réserve par un commissaire aux comptes indépendant et publiés",
            "au Journal officiel. Contenu de démonstration : l'association et ses chiffres sont fictifs.",
        ]),
    ],
    [
        ("text", 50, 790, 14, "F2", "0.2 0.2 0.2", "Projets achevés en 2025"),
        ("para", 50, 770, 11, [
            "Madagascar - Case de santé d'Ambohimahazo : 38 000 €, 6 500 habitants desservis.",
            "Côte d'Ivoire - Latrines dans quatre écoles de Korhogo : 26 500 €, 1 450 élèves.",
            "Haïti - Douze maisons reconstruites à Jacmel : 72 000 €, 74 personnes relogées.",
        ]),
        ("text", 50, 690, 14, "F2", "0.2 0.2 0.2", "Projets lancés en 2025"),
        ("para", 50, 670, 11, [
            "Sénégal - Forage solaire de Ndiobène (Kaffrine) : objectif 48 000 €.",
            "Bénin - Ruchers des apicultrices de Bassila : objectif 22 000 €.",
            "Burkina Faso - Trois classes pour l'école de Sabou : objectif 65 000 €.",
        ]),
        ("text", 50, 590, 14, "F2", "0.2 0.2 0.2", "Contrôles"),
        ("para", 50, 570, 11, [
            "Chaque projet de plus de 30 000 € fait l'objet d'un audit de fin de projet réalisé par",
            "un cabinet local indépendant. Les bailleurs reçoivent un rapport financier propre à leur",
            "subvention ; les entreprises partenaires, un rapport des dons collectés par leur boutique.",
        ]),
        ("text", 50, 490, 14, "F2", "0.2 0.2 0.2", "Nous contacter"),
        ("para", 50, 470, 11, [
            "Vision d'Amour - 12 rue de l'Exemple, 69000 Lyon - transparence@example.org",
        ]),
    ],
]


def _pdf_str(text):
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _page_stream(items):
    out = []
    for it in items:
        kind = it[0]
        if kind == "rect":
            _, x, y, w, h, col = it
            out.append(f"{col} rg {x} {y} {w} {h} re f".encode())
        elif kind == "text":
            _, x, y, size, font, col, text = it
            out.append(f"BT {col} rg /{font} {size} Tf {x} {y} Td ".encode() + _pdf_str(text) + b" Tj ET")
        elif kind == "para":
            _, x, y, size, lines = it
            for i, line in enumerate(lines):
                out.append(f"BT 0.2 0.2 0.2 rg /F1 {size} Tf {x} {y - i * size * 1.5:.1f} Td ".encode()
                           + _pdf_str(line) + b" Tj ET")
        elif kind == "bar":
            _, x, y, pct, col, label = it
            out.append(f"0.92 0.90 0.86 rg {x} {y} 300 18 re f".encode())
            out.append(f"{col} rg {x} {y} {pct * 3} 18 re f".encode())
            out.append(f"BT 0.2 0.2 0.2 rg /F1 11 Tf {x + 310} {y + 5} Td ".encode() + _pdf_str(label) + b" Tj ET")
    return b"\n".join(out)


def write_report(path):
    n = len(REPORT_PAGES)
    objs = {}
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(n))
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode()
    objs[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objs[4] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    for i, items in enumerate(REPORT_PAGES):
        page, content = 5 + 2 * i, 6 + 2 * i
        objs[page] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                      f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {content} 0 R >>").encode()
        stream = _page_stream(items)
        objs[content] = f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream"
    data = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(data)
        data += f"{num} 0 obj\n".encode() + objs[num] + b"\nendobj\n"
    xref = len(data)
    count = max(objs) + 1
    data += f"xref\n0 {count}\n".encode() + b"0000000000 65535 f \n"
    for num in range(1, count):
        data += f"{offsets[num]:010d} 00000 n \n".encode()
    data += f"trailer\n<< /Size {count} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(bytes(data))


def main():
    OUT.mkdir(exist_ok=True)
    for i, (name, fn) in enumerate(sorted(SCENES.items())):
        c = Canvas(seed=1000 + i)
        fn(c)
        c.save(name)
    for name, fn in sorted(LOGOS.items()):
        logo(name, fn)
    write_report(DOCS / "rapport-annuel-2025.pdf")
    print(f"{len(SCENES)} illustrations and {len(LOGOS)} logos written to {OUT}; annual report to {DOCS}")


if __name__ == "__main__":
    main()
