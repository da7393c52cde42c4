/*
 * The container's file system: mounts (by fd of their target inside the
 * root), recursive mount attributes, devices, links, masked and read-only
 * paths, and the switch into the rootfs (pivot_root, or MS_MOVE with
 * --no-pivot).
 */
#ifndef RUNC_MOUNT_H
#define RUNC_MOUNT_H

#include "program.h"

int op_open_root(struct program *prog, const struct op *op, int index);
int op_mount(struct program *prog, const struct op *op, int index);
int op_remount(struct program *prog, const struct op *op, int index);
int op_mount_setattr(struct program *prog, const struct op *op, int index);
int op_mkdir(struct program *prog, const struct op *op, int index);
int op_mknod(struct program *prog, const struct op *op, int index);
int op_symlink(struct program *prog, const struct op *op, int index);
int op_mask_path(struct program *prog, const struct op *op, int index);
int op_setxattr(struct program *prog, const struct op *op, int index);
int op_readonly_path(struct program *prog, const struct op *op, int index);
int op_hide_mount(struct program *prog, const struct op *op, int index);
int op_move_root(struct program *prog, const struct op *op, int index);
int op_pivot_root(struct program *prog, const struct op *op, int index);
int op_parent_private(struct program *prog, const struct op *op, int index);

/* Bind-mounts the open pty slave on /dev/console inside the root, which must
 * be missing (it is made), a regular file or a character device: never a
 * symlink or anything else the rootfs put there. */
int mount_console(struct program *prog, int slave);

#endif
