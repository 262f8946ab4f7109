"""The virtual clip: a real BLE peripheral on bumble, and a bleak backend over it."""
