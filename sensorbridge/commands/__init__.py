"""One module per ``sensorbridge`` sub-command; see :mod:`sensorbridge.cli`."""
