"""The app's pages and what they share (app.py is the router).

One OpenMP thread per server thread, set here because it must be set before torch loads, and app.py imports torch
only through this package. Streamlit runs every script run and fragment run in a new thread; torch's
`set_num_threads` reaches only the thread that calls it, so a convolution in each new run started two OpenMP
threads that spin after every call: a Denoising run cost 140 ms of server CPU for 60 ms of work, a Reconstruction
run 150 ms for 50 (bench/protocol_load.py --validate; README). A deployment that sets OMP_NUM_THREADS keeps its own.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
