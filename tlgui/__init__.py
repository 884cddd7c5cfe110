"""tlgui: transfer learning for computer vision, on the desktop."""

import os

from tlgui.host_memory import keep_freed_memory

__version__ = "0.1.0"

# PyTorch's OpenMP threads spin while they wait for their next operation. tlgui runs them beside its
# own photo-decoding threads and the window's thread, often on a few cores: spinning, they take the
# cores those threads need (measured on a busy 2-core CPU: feature extraction 3 to 4 times slower,
# fine-tune epochs about 5 times). Waiting passively costs microseconds per operation. It only
# works when set before torch is first imported, which is why it lives here; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Freed activations stay with the process for the next batch instead of being unmapped and faulted in
# again (tlgui/host_memory.py: inference ~2x, a fine-tune step ~1.5x on a 2-core CPU).
# Here because it must come before any thread allocates.
keep_freed_memory()
