"""tlgui: transfer learning for computer vision, on the desktop."""

import os

__version__ = "0.1.0"

# PyTorch's OpenMP threads spin while they wait for their next operation. tlgui runs them beside its
# own photo-decoding threads and the window's thread, often on a few cores: spinning, they take the
# cores those threads need (measured on a busy 2-core CPU: feature extraction 3 to 4 times slower,
# fine-tune epochs about 5 times). Waiting passively costs microseconds per operation. It only
# works when set before torch is first imported, which is why it lives here; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# On Linux, torch gives the blocks of 2 MB and more it allocates (a batch's activations: up to ~80 MB
# each) transparent huge pages when this is set. Without it every batch's fresh blocks are faulted in
# and zero-filled 4 KB at a time: measured on a 2-core CPU with EfficientNet-Lite0, batch 32, page
# faults per photo fell from ~1,700 to ~70 in inference and ~25,000 to ~700 in a fine-tune step, the
# kernel's CPU time per photo by half, wall time per photo by about 10% (inference) and 13% (a full
# fine-tune step), for about 8% more peak resident memory (3.7 → 4.0 GB in that fine-tune). Read by
# torch at its first large allocation; ignored where the kernel offers no huge pages.
os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")
