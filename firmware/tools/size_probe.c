/* Compiled for the Cortex-M4F by `make size` only: the core's state exactly as the app allocates it
 * (app/src/main.c's sb_clip_t holds every module but one; app/src/battery.c holds the battery filter),
 * so arm-none-eabi-size reports the RAM the core needs. */
#include "sb_battery.h"
#include "sb_clip.h"

sb_clip_t sb_size_probe_clip;
sb_battery_t sb_size_probe_battery;
