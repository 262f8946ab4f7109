"""The wearer simulator: a seated person as a kinematic chain, and the IMU readings it produces."""
