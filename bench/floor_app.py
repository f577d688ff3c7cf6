"""The floor: what Streamlit itself costs on this machine. One picture of 28 × 28 pixels and one slider (and a second
page like it, for the cost of a page switch), drawn the way the app draws its pictures. bench/interaction.py runs it
beside the app, so every speed figure there is also a ratio to this.

  .venv/bin/python -m streamlit run bench/floor_app.py

bench/element_cost.py adds rows under the picture (FLOOR_ROWS=N in the server's environment): each like one model's
row on the Reconstruction page (FLOOR_ROW_KIND=elements: columns, two pictures, a colour bar, captions, a title and
two metrics, 13 elements), or the same content as one HTML element (FLOOR_ROW_KIND=html), for what the number of
elements a run sends costs. Without them it is the floor.
"""

import base64
import io
import os

import numpy as np
import streamlit as st
from PIL import Image

ROWS = int(os.environ.get("FLOOR_ROWS", "0"))
ROW_KIND = os.environ.get("FLOOR_ROW_KIND", "elements")


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def row_of_elements(level: int, number: int, pixels: np.ndarray) -> None:
    cols = st.container(key=f"row-{number}").columns([1, 1, 2])
    cols[0].image(pixels, caption=f"model {number}: reconstruction", width=140, output_format="PNG")
    cols[1].image(255 - pixels, caption="|x − x̂|", width=140, output_format="PNG")
    cols[1].image(pixels[:4], width=140, output_format="PNG")
    cols[1].caption("error 0 (black) · 0.5 (red) · 1 (yellow)")
    with cols[2]:
        st.markdown(f"**model {number}** · what it is")
        st.metric("MSE per pixel", f"{level / 1000:.4f}", border=False)
        st.metric("PSNR", f"{level / 10:.1f} dB", border=False)
        st.caption(f"Latent code z: {level}, {number}")
    st.divider()


def row_as_html(level: int, number: int, pixels: np.ndarray) -> None:
    def img(data: np.ndarray) -> str:
        source = "data:image/png;base64," + base64.b64encode(png(data)).decode()
        return f'<img src="{source}" width="140" style="image-rendering: pixelated">'

    st.html(
        f'<div style="display: flex; gap: 1rem"><figure>{img(pixels)}<figcaption>model {number}: reconstruction'
        f"</figcaption></figure><figure>{img(255 - pixels)}<br>{img(pixels[:4])}<figcaption>|x − x̂|<br>error 0 "
        f"(black) · 0.5 (red) · 1 (yellow)</figcaption></figure><div><b>model {number}</b> · what it is<br>MSE per "
        f"pixel <b>{level / 1000:.4f}</b><br>PSNR <b>{level / 10:.1f} dB</b><br><small>Latent code z: {level}, "
        f"{number}</small></div></div><hr>"
    )


def picture_page(title: str) -> None:
    st.title(title)
    level = st.slider("Brightness", 0, 255, 128, key=f"{title}_level")
    rows = np.arange(28)[:, None]
    image = ((rows + np.arange(28)[None, :]) % 28 * level // 27).astype(np.uint8)  # a gradient that the slider scales
    st.image(image.repeat(5, 0).repeat(5, 1), caption=f"Brightness {level}", width=140)
    draw = row_as_html if ROW_KIND == "html" else row_of_elements
    for number in range(ROWS):
        draw(level, number, ((rows * (number + 2) + level + np.arange(28)[None, :]) % 256).astype(np.uint8))


def first() -> None:
    picture_page("Floor")


def second() -> None:
    picture_page("Other")


st.navigation([st.Page(first, title="Floor", url_path="floor", default=True), st.Page(second, title="Other")]).run()
