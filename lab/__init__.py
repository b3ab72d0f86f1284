"""The lab PBX: a real Asterisk 22 in a Debian unstable chroot, cached by binalert."""
