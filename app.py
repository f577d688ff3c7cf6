"""aemodels: an interactive autoencoder lab. Run with `make run` (or `streamlit run app.py`, or `aemodels-lab`).

The router lives in aemodels_app.router: the page registry handed to st.navigation."""

from aemodels_app.router import main

main()
