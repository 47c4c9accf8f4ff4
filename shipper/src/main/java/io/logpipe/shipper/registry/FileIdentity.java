package io.logpipe.shipper.registry;

/**
 * Which file a registry entry is about: the device and inode, plus a fingerprint (hash) of the file's first bytes so
 * that a new file which reuses a deleted file's inode is not taken for it.
 *
 * @param fingerprintLength how many leading bytes the hash covers (the file may have been shorter than the maximum)
 */
public record FileIdentity(long device, long inode, int fingerprintLength, long fingerprint) {
    /** Bytes hashed at most. */
    public static final int FINGERPRINT_BYTES = 1024;

    /** The key of the file's slot: device and inode. */
    public String key() {
        return device + "-" + inode;
    }

    public boolean sameInode(FileIdentity other) {
        return device == other.device && inode == other.inode;
    }
}
