package dev.vigil.engine.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PdqHashTest {
    @Test
    void hexIsTheBigEndianNumberWithBitKAtPowerK() {
        // The reference's bridge photo and its transpose: transposing the 16x16 coefficients
        // transposes the bits, which pins bit k to coefficient (k / 16, k % 16).
        PdqHash original = PdqHash.fromHex("d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22");
        PdqHash transposed = PdqHash.fromHex("f0a5e10271dcc0bd9c5309720fff018de34ef1e8ada9a956d2967ade1ea91a50");
        for (int k = 0; k < 256; k++) {
            assertEquals(original.bit((k % 16) * 16 + k / 16), transposed.bit(k), "bit " + k);
        }
        PdqHash low = PdqHash.fromHex("0".repeat(63) + "1");
        assertTrue(low.bit(0));
        assertEquals(1, low.w0());
        PdqHash high = PdqHash.fromHex("8" + "0".repeat(63));
        assertTrue(high.bit(255));
        assertEquals(Long.MIN_VALUE, high.w3());
    }

    @Test
    void hexRoundTripsInLowerCase() {
        String hex = "E64CC9D91E623842F8D1F1D9A398E78C9F199A3BD87924F2B7E11E0BF061B064";
        assertEquals(hex.toLowerCase(), PdqHash.fromHex(hex).toHex());
        assertEquals(PdqHash.fromHex(hex), PdqHash.fromHex(hex.toLowerCase()));
    }

    @Test
    void hammingDistanceCountsDifferingBits() {
        PdqHash a = PdqHash.fromHex("e64cc9d91e623842f8d1f1d9a398e78c9f199a3bd87924f2b7e11e0bf061b064");
        PdqHash b = a.flipBit(0).flipBit(63).flipBit(64).flipBit(200).flipBit(255);
        assertEquals(5, a.hammingDistance(b));
        assertEquals(0, a.hammingDistance(a));
        assertEquals(256, PdqHash.ZERO.hammingDistance(new PdqHash(-1, -1, -1, -1)));
        assertFalse(a.equals(b));
    }

    @Test
    void malformedHexIsRefusedNamingTheValue() {
        IllegalArgumentException shortHex = assertThrows(IllegalArgumentException.class, () -> PdqHash.fromHex("abc"));
        assertEquals("hash: \"abc\" has 3 characters (expected: 64 hex digits)", shortHex.getMessage());
        IllegalArgumentException badDigit = assertThrows(IllegalArgumentException.class,
                () -> PdqHash.fromHex("g" + "0".repeat(63)));
        assertEquals("hash: \"g" + "0".repeat(63) + "\" has 'g' at 0 (expected: 64 hex digits)", badDigit.getMessage());
    }
}
