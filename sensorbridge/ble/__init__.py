"""The BLE client: the only package that imports bleak.

- :mod:`.client`: :class:`~.client.BleSource`, one or two clips as a sample source, a reconnect
  loop per node.
- :mod:`.link`: one connection (set-up, enqueue-only notification callbacks, a decoding consumer,
  commands with tokens).
- :mod:`.scan`: finding clips by the service UUID; :mod:`.pairing`: pairing one more clip.
- Pure, without a radio (import-linter keeps them so): :mod:`.stream` (a node's packets to batches
  and exact gaps), :mod:`.timefit` (device clock to host clock, lower-envelope fit),
  :mod:`.sequence` (duplicates and lost samples), :mod:`.reconnect` (the link state machine and its
  backoff), :mod:`.bonds` (which clips are ours).
- :mod:`.errors`: what goes wrong, each with a hint.
"""
