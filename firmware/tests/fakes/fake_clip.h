/* A clip over the host fakes, for callers that cannot build an sb_clip_config_t themselves (the
 * Python cross-tests, through ctypes). Linked only into the shared library and the suites that use it. */
#ifndef FAKE_CLIP_H
#define FAKE_CLIP_H

#include <stddef.h>

#include "sb_clip.h"

/* Bytes of sb_clip_t: the caller allocates them. */
size_t fake_clip_size(void);

/* sb_clip_init with the default configuration and the fake LSM6DS3TR-C on the I2C seam. */
sb_err_t fake_clip_init(sb_clip_t *clip);

#endif
