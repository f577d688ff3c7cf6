"""The aemodels app: a Streamlit app over the aemodels library (pages/, ui/, components/, the URL state machinery,
the training pool and the server's settings). Serve it with `aemodels-lab` or `streamlit run app.py`."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch loads: one OpenMP thread per server thread (serving.py)
