import pandas as pd
import streamlit as st
import torch

from aemodels import corrupt
from aemodels.corrupt import median_filter
from aemodels.geometry import noise_collapse_curve
from aemodels.losses import psnr
from app_pages._widgets import digit_source, get_model, picture

st.title("Denoising")
st.markdown(
    "Noise pushes a digit off the manifold, in directions no digit varies along. An autoencoder maps its input "
    "back onto the manifold, so much of the noise is simply dropped: the code barely moves. The denoising AE "
    "was trained on exactly this task; the plain AE does it as a side effect; the median filter knows nothing "
    "about digits."
)

LEVELS = {  # noise type -> (slider label, min, max, default, step)
    "gaussian": ("Noise standard deviation σ", 0.0, 1.0, 0.3, 0.05),
    "salt_and_pepper": ("Fraction of pixels flipped to black or white", 0.0, 0.6, 0.2, 0.02),
    "occlusion": ("Side of the blacked-out square (pixels)", 0.0, 20.0, 8.0, 1.0),
}
NAMES = {"gaussian": "Gaussian", "salt_and_pepper": "Salt & pepper", "occlusion": "Occlusion"}

with st.sidebar:
    st.header("Digit")
    x, caption = digit_source("denoise")
    st.caption("Your own noisy photo? Upload it and set the level to 0: the models then clean what is already there.")

kind = (
    st.segmented_control("Noise", list(LEVELS), default="gaussian", format_func=NAMES.get, key="denoise_kind")
    or "gaussian"
)
label, low, high, default, step = LEVELS[kind]
left, right = st.columns([3, 1])
level = left.slider(label, low, high, default, step, key=f"denoise_level_{kind}")
seed = right.number_input("Seed", 0, 10_000, 0, key="denoise_seed")

noisy = corrupt(x, kind, level, seed=int(seed))
plain, denoiser = get_model("ae16"), get_model("dae")
outputs = [("Clean", x), ("Noisy", noisy)]
with torch.inference_mode():
    if plain is not None:
        outputs.append(("Plain AE (ae16)", plain.reconstruct(noisy)))
    if denoiser is not None:
        outputs.append(("Denoising AE (dae)", denoiser.reconstruct(noisy)))
    outputs.append(("Median filter 3×3", median_filter(noisy)))
cols = st.columns(len(outputs))
for col, (title, image) in zip(cols, outputs):
    picture(image, title, container=col)
    if title != "Clean":
        col.metric("PSNR vs clean", f"{psnr(image, x).item():.1f} dB")

st.subheader("Noise off the manifold is collapsed")
st.markdown(
    "For growing Gaussian noise on this digit: how big the noise is relative to the digit, and how far it moves "
    "the code and the decoded digit. A model that projects onto the manifold moves far less than the noise."
)
model_name = "dae" if denoiser is not None else "ae16"
model = denoiser or plain
if model is not None:
    levels = [round(0.05 * i, 2) for i in range(0, 21)]
    curve = noise_collapse_curve(model, x, levels, seed=int(seed))
    frame = pd.DataFrame(
        {
            "noise σ": curve["noise_std"],
            "‖n‖ / ‖x‖ (input)": curve["input_change"],
            f"‖E(x+n) − E(x)‖ / ‖E(x)‖ (code, {model_name})": curve["code_change"],
            f"‖D(E(x+n)) − D(E(x))‖ / ‖x‖ (output, {model_name})": curve["output_change"],
        }
    )
    st.line_chart(frame, x="noise σ", x_label="Gaussian noise σ", y_label="relative change")
