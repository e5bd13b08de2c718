import DeriveRender
import DeriveTransform
import Testing

@Suite struct ClientHintPolicyTests {
    func resolve(_ text: String, dpr: String? = nil, width: String? = nil) throws -> ResolvedHints {
        try ClientHintPolicy.resolve(try Transformation(parsing: text), dpr: dpr, width: width)
    }

    @Test func dprIsRoundedUpToAFixedSet() throws {
        let cases: [(String, Double)] = [
            ("0.5", 1), ("1", 1), ("1.3", 1.5), ("2", 2), ("2.625", 3), ("3.5", 4), ("7", 4), ("10", 4),
        ]
        for (hint, expected) in cases {
            #expect(try resolve("dpr_auto,w_100", dpr: hint).devicePixelRatio == expected, "\(hint)")
        }
        #expect(try resolve("dpr_auto,w_100").devicePixelRatio == 1)
        #expect(try resolve("dpr_auto,w_100", dpr: "2").keySuffix == "|dpr=2.0")
    }

    @Test func widthsAreCappedAndRoundedToTheStep() throws {
        #expect(try resolve("w_auto:100", width: "1001").width == 1100)
        #expect(try resolve("w_auto", width: "1").width == 100)  // default step 100
        #expect(try resolve("w_auto:1", width: "1001").width == 1020)  // steps are at least 20
        #expect(throws: RenderError.self) { try resolve("w_auto:100", width: "999999") }
        #expect(try resolve("w_auto:100", width: "16000").width == 4100)  // capped at 4096, then stepped
        #expect(try resolve("w_auto:100:400").width == nil)
        #expect(try resolve("w_auto:100:400").keySuffix == "|width=none")
        #expect(try resolve("h_auto:50", width: "333").keySuffix == "|width=350")
    }

    @Test func unusedHintsAreIgnoredAndUsedOnesMustBeSane() throws {
        #expect(try resolve("w_100", dpr: "nan", width: "x").keySuffix == "")
        for bad in ["nan", "inf", "-1", "0", "1e300", "abc", "0x2", ""] {
            #expect(throws: RenderError.self) { try resolve("dpr_auto", dpr: bad) }
            #expect(throws: RenderError.self) { try resolve("w_auto", width: bad) }
        }
        #expect(try resolve("f_auto").varyHeaders == ["Accept"])
        #expect(
            try resolve("f_auto,dpr_auto,w_auto").varyHeaders == [
                "Accept", "DPR", "Sec-CH-DPR", "Width", "Sec-CH-Width",
            ])
    }

    @Test func checkedConversionsNeverTrap() throws {
        for value in [Double.nan, .infinity, -.infinity, 1e300, -1e300, 9.3e18, -9.3e18] {
            #expect(throws: RenderError.self) { try Checked.int(value, "w", in: 1...100) }
            _ = Checked.clamped(value)
        }
        #expect(Checked.clamped(.nan) == 0)
        #expect(Checked.clamped(1e300) == 2_147_483_647)
        #expect(try Checked.int(99.6, "w", in: 1...100) == 100)
        #expect(throws: RenderError.self) { try Checked.product(Int.max, 2, "area") }
        #expect(throws: RenderError.self) { try Checked.sum(Int.max, 1, "x") }
    }
}
