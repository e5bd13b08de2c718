import Foundation
import Testing

@testable import Derive

/// The event payload writer: whatever it writes must parse back to the values it was given.
@Suite struct JSONTextTests {
    @Test func everyValueParsesBackExactly() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t return \r bell \u{7} nul \u{0} é ✓ 🚀"
        var json = JSONObjectWriter(capacity: 8)  // too small on purpose: the buffer must grow
        json.field("text", tricky)
        json.field("missing", nil as String?)
        json.field("count", -42)
        json.field("flag", true)
        json.field("list", strings: ["a", tricky, ""])
        json.beginArray("urls")
        json.beginElement()
        for piece in ["/demo/image/upload/", "c_fill,w_10", "/", "a \"b\"", ".", "jpg"] { json.elementPiece(piece) }
        json.endElement()
        json.arrayElement("plain")
        json.endArray()
        json.beginArray("none")
        json.endArray()
        json.beginArray("objects")
        for _ in 0..<2 {
            json.objectElement { item in
                item.field("k", "v")
                item.beginArray("nested")
                item.arrayElement(tricky)
                item.endArray()
            }
        }
        json.endArray()
        json.field("raw", raw: "[1,2]")
        let text = json.finish()

        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["text"] as? String == tricky)
        #expect(object["missing"] == nil)
        #expect(object["count"] as? Int == -42)
        #expect(object["flag"] as? Bool == true)
        #expect(object["list"] as? [String] == ["a", tricky, ""])
        #expect(object["urls"] as? [String] == [#"/demo/image/upload/c_fill,w_10/a "b".jpg"#, "plain"])
        #expect((object["none"] as? [Any])?.isEmpty == true)
        let objects = try #require(object["objects"] as? [[String: Any]])
        #expect(objects.count == 2)
        for item in objects {
            #expect(item["k"] as? String == "v")
            #expect(item["nested"] as? [String] == [tricky])
        }
        #expect(object["raw"] as? [Int] == [1, 2])
        #expect(!text.contains("\n"))  // control characters are escaped, never raw
    }
}
