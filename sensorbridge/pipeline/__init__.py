"""Estimation pipeline: orientation, posture angles, states, slouch episodes, stretch verification."""
