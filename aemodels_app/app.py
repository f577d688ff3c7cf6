"""aemodels: an interactive autoencoder lab. The console script `aemodels-lab` serves this file.

The router lives in aemodels_app.router: the page registry handed to st.navigation."""

from aemodels_app.router import main

main()
