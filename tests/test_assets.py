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
