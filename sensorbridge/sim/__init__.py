"""The wearer simulator: a seated person as a kinematic chain, and the IMU readings it produces.

Pure numpy, no radio. :class:`WearerStream` streams raw clip samples of a scripted scenario in
chunks (``stream.node(Role.BACK).next_chunk(n)``) and takes live requests (:class:`Action`);
:mod:`sensorbridge.sim.truth` says what really happened; :data:`SCENARIOS` lists the scenarios.
"""

from sensorbridge.sim.imu import ImuSettings
from sensorbridge.sim.scenarios import SCENARIOS, ScenarioError
from sensorbridge.sim.stream import Action, NodeChunk, NodeStream, SimError, SimOptions, WearerStream

__all__ = [
    "SCENARIOS",
    "Action",
    "ImuSettings",
    "NodeChunk",
    "NodeStream",
    "ScenarioError",
    "SimError",
    "SimOptions",
    "WearerStream",
]
