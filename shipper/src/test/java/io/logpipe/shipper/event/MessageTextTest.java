package io.logpipe.shipper.event;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * A message kept as the line's bytes is written into the event's JSON exactly as the String it decodes to would
 * be: valid UTF-8 straight from the bytes, anything malformed through the decoder (U+FFFD), as before.
 */
class MessageTextTest {
    static byte[] viaBytes(byte[] line) {
        JsonBytes out = new JsonBytes();
        MessageText.utf8(line.clone()).writeJson(out);
        return out.toByteArray();
    }

    static byte[] viaString(byte[] line) {
        JsonBytes out = new JsonBytes();
        out.string(new String(line, StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    @Test
    void wellFormedTextIsWrittenFromItsBytesEscapedAsJson() {
        JsonBytes out = new JsonBytes();
        byte[] line = "GET /a?q=\"x\"\\ \t ok é € 😀".getBytes(StandardCharsets.UTF_8);
        assertTrue(out.utf8String(line));
        assertEquals("\"GET /a?q=\\\"x\\\"\\\\ \\t ok é € 😀\"", new String(out.toByteArray(), StandardCharsets.UTF_8));
        assertArrayEquals(viaString(line), viaBytes(line));
    }

    @Test
    void malformedSequencesAreLeftToTheDecoderAndComeOutAsTheStringWouldHaveThem() {
        List<byte[]> cases = List.of(
                hex("c080"),       // overlong NUL
                hex("e08080"),     // overlong 3-byte
                hex("eda080"),     // an encoded surrogate
                hex("f4908080"),   // above U+10FFFF
                hex("f5808080"),   // no such lead byte
                hex("80"),         // a lone continuation byte
                hex("41e282"),     // a 3-byte sequence cut short at the end
                hex("41c241"),     // a 2-byte sequence broken by ASCII
                hex("fffe"));
        for (byte[] line : cases) {
            assertFalse(new JsonBytes().utf8String(line), HexFormat.of().formatHex(line));
            assertArrayEquals(viaString(line), viaBytes(line), HexFormat.of().formatHex(line));
        }
    }

    @Test
    void aFailedByteWriteLeavesWhatWasWrittenBeforeIt() {
        JsonBytes out = new JsonBytes();
        out.raw('[');
        assertFalse(out.utf8String(hex("41c0")));
        out.raw(']');
        assertEquals("[]", new String(out.toByteArray(), StandardCharsets.UTF_8));
    }

    @Test
    void randomBytesGiveTheSameJsonEitherWay() {
        Random random = new Random(20261202);
        List<String> differing = new ArrayList<>();
        byte[] alphabet = hex("00091f20225c417fc280c3a9dfbfe0a080e282acedbfbfee8080efbfbff0908080f48fbfbf80bfc0c1f5ff");
        for (int i = 0; i < 20_000; i++) {
            byte[] line = new byte[random.nextInt(24)];
            for (int j = 0; j < line.length; j++) {
                line[j] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            }
            if (!Arrays.equals(viaString(line), viaBytes(line))) {
                differing.add(HexFormat.of().formatHex(line));
            }
        }
        assertEquals(List.of(), differing);
    }

    @Test
    void theStringIsDecodedOnceAndOnlyWhenAsked() {
        MessageText text = MessageText.utf8("abc é".getBytes(StandardCharsets.UTF_8));
        assertEquals("abc é", text.string());
        assertTrue(text.string() == text.string(), "decoded once");
    }
}
