"""The shipped CSS is the theme's CSS, smaller: same rules, short custom-property names, no comments."""

from site_builder.assets import minify_css, property_map


def test_minify_keeps_meaning():
    source = """/* a comment */
:root { --ink-soft: #333; --terra: #a33; }
a :hover ,  b > i { color: var(--ink-soft) ; border: 1px solid var(--terra); }
@media (min-width: 40em) { .x { margin: 0 auto; } }
"""
    names = property_map([source, ".y { color: var(--terra); }"])
    assert set(names) == {"--ink-soft", "--terra"} and names["--terra"] == "--a"  # most used first
    out = minify_css(source, names)
    assert "comment" not in out
    assert "a :hover,b>i{" in out  # the space before a pseudo-class is kept: `a :hover` ≠ `a:hover`
    assert "color:var(--b)" in out and "border:1px solid var(--a)}" in out
    assert ":root{--b:#333;--a:#a33}" in out
    assert "@media (min-width:40em){.x{margin:0 auto}}" in out


def test_class_modifiers_are_not_custom_properties():
    source = ".btn--light { color: var(--ink); } .btn--light:hover{--ink: red}"
    out = minify_css(source, property_map([source]))
    assert out.count(".btn--light") == 2 and "var(--a)" in out and "{--a:red}" in out


def test_a_custom_property_set_in_a_template_still_reaches_the_css(tmp_path):
    """`style="--x: 1"` in a template and `var(--x)` in the stylesheet: after minification both still say
    `--x` (renaming sees only CSS, so a name used elsewhere keeps its name), and no other property is
    renamed to `--x`."""
    from site_builder.assets import build_assets

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "card.html").write_text('<div class="bar" style="--x: 1"></div>')
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "site.css").write_text(
        ".bar { width: calc(var(--x, 0) * 100%); --ink: #111; color: var(--ink); }\n"
        ".bar:hover { --x: 0.5; border-color: var(--ink); }\n")
    (tmp_path / "static" / "js").mkdir()
    (tmp_path / "static" / "js" / "bar.js").write_text("el.style.setProperty('--step', '2');")
    hashed, data = build_assets(tmp_path / "static")["css/site.css"]
    css = data.decode()
    assert css == ".bar{width:calc(var(--x,0) * 100%);--a:#111;color:var(--a)}.bar:hover{--x:0.5;border-color:var(--a)}"
    assert hashed.startswith("css/site.") and hashed.endswith(".css")


def test_short_names_never_take_a_name_used_outside_css():
    names = property_map([":root{--ink:#000;--sky:#00f} a{color:var(--ink);background:var(--sky)}"],
                         keep=frozenset({"--a"}))
    assert "--a" not in names.values() and set(names) == {"--ink", "--sky"}
