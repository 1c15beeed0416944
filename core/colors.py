"""The brand colour's companions: which text is readable on it, and a shade of it readable as text.

The admin may choose any #rrggbb. Rather than refusing light colours, the pages take the text
colour on the brand (white, or near-black when white would be too faint) and the brand's shade for
links and outlined buttons from here, so that every choice meets WCAG 2's 4.5:1 for normal text.
The settings page and the API store the colour through the same service; /theme.css serves these.
"""
WHITE = "#ffffff"
NEAR_BLACK = "#111111"
# The lightest background the brand's shade is written on: the page's (--bg in static/css/app.css).
PAGE_BACKGROUND = "#f4f6f8"
AA = 4.5  # WCAG 2 AA, normal text


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def relative_luminance(hex_color: str) -> float:
    """WCAG 2's relative luminance of a #rrggbb colour (0 black, 1 white)."""
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = _rgb(hex_color)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(one: str, other: str) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(brand: str) -> str:
    """White when it reaches 4.5:1 on ``brand``, else near-black, else black (one of white and black
    always does: the better of the two is at least 4.58:1)."""
    for candidate in (WHITE, NEAR_BLACK):
        if contrast(candidate, brand) >= AA:
            return candidate
    return "#000000"


def ink(brand: str, background: str = PAGE_BACKGROUND) -> str:
    """``brand`` itself when it reads as text on ``background``, else the lightest darker shade of it
    (mixed with black, in steps of 5 %) that does."""
    rgb = _rgb(brand)
    for step in range(21):
        shade = _hex(c * (1 - step / 20) for c in rgb)
        if contrast(shade, background) >= AA:
            return shade
    return "#000000"


def palette(brand: str) -> dict:
    """What /theme.css sets: the brand, the text on it, and its shade for text on the page."""
    brand = brand.lower()
    return {"brand": brand, "on-brand": text_on(brand), "brand-ink": ink(brand)}
