"""Copy the browser tests' README pictures (tests/artifacts/readme/, written by
tests/test_browser.py, test_browser_links.py and test_browser_checkpoints.py) here, 1000 px wide, 256 colours.

    .venv/bin/python -m pytest tests/test_browser.py tests/test_browser_links.py && .venv/bin/python docs/screenshots/update.py
"""

from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
SHOTS = HERE.parents[1] / "tests" / "artifacts" / "readme"
WIDTH = 1000

for path in sorted(SHOTS.glob("*.png")):
    image = Image.open(path).convert("RGB")
    image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.LANCZOS)
    image.quantize(256, dither=Image.Dither.NONE).save(HERE / path.name, optimize=True)
    print(path.name, (HERE / path.name).stat().st_size // 1024, "KB")
