"""The BLE client: the only package that imports bleak."""
