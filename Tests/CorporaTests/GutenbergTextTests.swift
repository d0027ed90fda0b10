import Testing
@testable import Corpora

@Suite struct GutenbergTextTests {
    @Test func stripsHeaderFooterAndNormalises() {
        let raw = "\u{FEFF}The Project Gutenberg EBook of Hamlet\r\nlicence blah\r\n*** START OF THIS PROJECT GUTENBERG EBOOK HAMLET ***\r\n\r\n\r\nHAMLET\r\nTo be, or not to be.\r\n\r\nEnd of the Project Gutenberg EBook of Hamlet\r\nmore licence\r\n"
        #expect(String(decoding: GutenbergText.clean(Array(raw.utf8)), as: UTF8.self) == "HAMLET\nTo be, or not to be.\n")
        let old = "header\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*\nText.\n*** END OF THE PROJECT GUTENBERG EBOOK\nx\n"
        #expect(String(decoding: GutenbergText.clean(Array(old.utf8)), as: UTF8.self) == "Text.\n")
    }

    @Test func textWithoutBoilerplateOnlyLosesOuterBlankLines() {
        let raw = "\n\nACT I.\n\nScene I.\n  \n"
        #expect(String(decoding: GutenbergText.clean(Array(raw.utf8)), as: UTF8.self) == "ACT I.\n\nScene I.\n")
    }
}
