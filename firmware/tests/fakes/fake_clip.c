#include "fake_clip.h"

#include "fake_lsm6.h"

size_t fake_clip_size(void) { return sizeof(sb_clip_t); }

sb_err_t fake_clip_init(sb_clip_t *clip)
{
    sb_clip_config_t config = sb_clip_default_config();
    config.imu_bus = (sb_i2c_bus_t){
        .read = fake_lsm6_read, .write = fake_lsm6_write, .address = SB_LSM6_ADDRESS};
    return sb_clip_init(clip, &config);
}
