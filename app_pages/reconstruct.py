import streamlit as st
import torch

from aemodels import list_pretrained
from aemodels.images import error_map
from aemodels.losses import mse, psnr
from app_pages._widgets import digit_source, get_model, picture

st.title("Reconstruction")
st.markdown(
    "An autoencoder is a chart of the digit manifold: the encoder gives a digit a few coordinates, the decoder "
    "draws the digit back from them. What survives the round trip is what lies on the manifold the model "
    "learned; the error map shows what it could not place there. The linear AE is PCA: a flat chart."
)

RECON_MODELS = ["linear16", "ae2", "ae16", "vae2", "vae16", "vae50", "dae", "sparse"]

with st.sidebar:
    st.header("Digit")
    x, caption = digit_source("recon")
    names = st.multiselect(
        "Models",
        [n for n in RECON_MODELS if n in list_pretrained()],
        default=[n for n in ("linear16", "ae2", "ae16", "vae16") if n in list_pretrained()],
        key="recon_models",
    )

picture(x, f"Input: {caption}", scale=6)
if not names:
    st.info("Choose at least one model in the sidebar.")
for name in names:
    model = get_model(name)
    if model is None:
        continue
    with torch.inference_mode():
        z = model.encode(x)
        x_hat = model.decode(z)
    cols = st.columns([1, 1, 2])
    picture(x_hat, f"{name}: reconstruction", container=cols[0])
    cols[1].image(error_map(x, x_hat), caption="|x − x̂|", width=140)
    with cols[2]:
        st.markdown(f"**{name}** · {model.info.get('description', '')}")
        st.metric("MSE per pixel", f"{mse(x_hat, x).item():.4f}", border=False)
        st.metric("PSNR", f"{psnr(x_hat, x).item():.1f} dB", border=False)
        code = z[0].tolist()
        shown = ", ".join(f"{v:.2f}" for v in code[:16]) + (" …" if len(code) > 16 else "")
        st.caption(f"Latent code z ({len(code)} numbers): {shown}")
    st.divider()
