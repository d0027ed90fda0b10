import Testing
@testable import Support

@Suite struct SHA256Tests {
    // FIPS 180-4 / NIST CSRC example vectors.
    @Test func knownVectors() {
        #expect(SHA256.hex(of: Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(of: Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8))
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex(of: [UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the same bytes in arbitrary pieces (crossing block boundaries) gives the same digest.
    @Test func streamingMatchesOneShot() {
        let data = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let expected = SHA256.hex(of: data)
        for pieces in [1, 3, 63, 64, 65, 127, 1000] {
            var h = SHA256()
            var i = 0
            while i < data.count { let n = min(pieces, data.count - i); h.update(data[i..<(i + n)]); i += n }
            #expect(h.finalizeHex() == expected)
        }
        // Lengths around the padding boundary (55, 56, 64 bytes) differ from each other.
        let digests = Set([55, 56, 57, 63, 64, 65].map { SHA256.hex(of: [UInt8](repeating: 0, count: $0)) })
        #expect(digests.count == 6)
    }
}
