#ifndef CLINUXSYS_H
#define CLINUXSYS_H
// The Linux calls Swift's Glibc module does not expose (they need _GNU_SOURCE or are new).
#include <sys/inotify.h>
#include <sys/vfs.h>

/// renameat2(2) with RENAME_NOREPLACE. Returns 0 or -1 with errno set
/// (EEXIST when the target exists, EINVAL/ENOSYS where unsupported).
int clinuxsys_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

/// mallopt(M_ARENA_MAX, arenas): glibc's malloc makes at most this many arenas (its default is
/// eight per core). Returns 1 on success. Must run before threads allocate to matter.
int clinuxsys_limit_malloc_arenas(int arenas);
#endif
