/* Compiled for the Cortex-M4F by `make size` only: the core's state exactly as app/main.c allocates it
 * (one sb_clip_t holds every module), so arm-none-eabi-size reports the RAM the core needs. */
#include "sb_clip.h"

sb_clip_t sb_size_probe_clip;
