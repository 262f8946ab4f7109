/* Error codes shared by every core module. Zero is success; every failure has its own code so a test
 * (or a log line on the device) says what went wrong, not just that something did. */
#ifndef SB_ERR_H
#define SB_ERR_H

typedef enum {
    SB_OK = 0,
    SB_ERR_NULL,     /* a required pointer was NULL */
    SB_ERR_ARG,      /* an argument is out of its documented range */
    SB_ERR_LENGTH,   /* bytes shorter or longer than the message layout */
    SB_ERR_VERSION,  /* another protocol version */
    SB_ERR_FIELD,    /* a field of a message holds a value outside its range */
    SB_ERR_NO_SPACE, /* the caller's output buffer is too small */
    SB_ERR_IO,       /* the I2C bus refused a transfer */
    SB_ERR_ID,       /* the IMU answered with an unexpected WHO_AM_I */
    SB_ERR_VERIFY,   /* a register read back differs from what was written */
    SB_ERR_EMPTY,    /* nothing to take */
    SB_ERR_STORAGE,  /* the storage seam refused a read or write */
    SB_ERR_CORRUPT,  /* stored bytes fail their check; treated as absent */
    SB_ERR_STATE,    /* not possible in the current state */
} sb_err_t;

#endif
