package io.logpipe.shipper.input;

import io.logpipe.shipper.registry.FileIdentity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/** Hashes a file's first bytes (up to {@link FileIdentity#FINGERPRINT_BYTES}) to tell apart files sharing an inode. */
final class Fingerprint {
    private Fingerprint() {
    }

    /** The identity of the open file {@code ch} with device {@code dev} and inode {@code ino}. */
    static FileIdentity of(long dev, long ino, FileChannel ch) throws IOException {
        return of(dev, ino, ch, FileIdentity.FINGERPRINT_BYTES);
    }

    static FileIdentity of(long dev, long ino, FileChannel ch, int maxLength) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(maxLength);
        while (buf.hasRemaining()) {
            int n = ch.read(buf, buf.position());
            if (n <= 0) {
                break;
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        return new FileIdentity(dev, ino, buf.position(), crc.getValue());
    }

    /** Whether the file still begins with the bytes {@code known} was computed from. */
    static boolean matches(FileIdentity known, FileChannel ch) throws IOException {
        if (known.fingerprintLength() == 0) {
            return true;
        }
        FileIdentity now = of(known.device(), known.inode(), ch, known.fingerprintLength());
        return now.fingerprintLength() == known.fingerprintLength() && now.fingerprint() == known.fingerprint();
    }
}
