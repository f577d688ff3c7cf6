"""The floor: what Streamlit itself costs on this machine. One picture of 28 × 28 pixels and one slider (and a second
page like it, for the cost of a page switch), drawn the way the app draws its pictures. bench/interaction.py runs it
beside the app, so every speed figure there is also a ratio to this.

  .venv/bin/python -m streamlit run bench/floor_app.py
"""

import numpy as np
import streamlit as st


def picture_page(title: str) -> None:
    st.title(title)
    level = st.slider("Brightness", 0, 255, 128, key=f"{title}_level")
    rows = np.arange(28)[:, None]
    image = ((rows + np.arange(28)[None, :]) % 28 * level // 27).astype(np.uint8)  # a gradient that the slider scales
    st.image(image.repeat(5, 0).repeat(5, 1), caption=f"Brightness {level}", width=140)


def first() -> None:
    picture_page("Floor")


def second() -> None:
    picture_page("Other")


st.navigation([st.Page(first, title="Floor", url_path="floor", default=True), st.Page(second, title="Other")]).run()
