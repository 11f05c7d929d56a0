import Foundation
import PropertyBased
import Testing
@testable import Connectors

/// `JSONRecordDecoder` against `JSONDecoder` (default strategies): the same values from the
/// same text, and the same kind of error where `JSONDecoder` fails.
@Suite struct JSONRecordDecoderTests {
    enum Kind: String, Codable, Equatable { case view, buy }
    enum Shape: Codable, Equatable { case circle(radius: Double), square(side: Int), none }

    struct Inner: Codable, Equatable {
        var name: String
        var tags: [String]
    }

    struct Everything: Codable, Equatable {
        var int: Int, int8: Int8, int16: Int16, int32: Int32, int64: Int64
        var uint: UInt, uint8: UInt8, uint16: UInt16, uint32: UInt32, uint64: UInt64
        var double: Double, float: Float, bool: Bool
        var text: String
        var optionalPresent: String?
        var optionalAbsent: Int?
        var optionalNull: Double?
        var inner: Inner
        var inners: [Inner]
        var matrix: [[Int]]
        var counts: [String: Int]
        var byNumber: [Int: String]
        var kind: Kind
        var shapes: [Shape]
        var url: URL
        var data: Data
        var date: Date
        var decimal: Decimal
    }

    static let everything = Everything(
        int: -42, int8: .min, int16: .max, int32: -7, int64: .min, uint: 7, uint8: .max, uint16: 9, uint32: .max, uint64: .max,
        double: -1.5e-7, float: 3.25, bool: true,
        text: "quote \" backslash \\ slash / tab \t newline \n é 漢字 🎉 \u{1}",
        optionalPresent: "here", optionalAbsent: nil, optionalNull: nil,
        inner: Inner(name: "a", tags: []), inners: [Inner(name: "b", tags: ["x", "y"]), Inner(name: "", tags: [""])],
        matrix: [[1, 2], [], [3]], counts: ["a": 1, "b,c": 2], byNumber: [1: "one", -2: "minus two"], kind: .buy,
        shapes: [.circle(radius: 2.5), .square(side: 3), .none],
        url: URL(string: "https://example.com/a?b=c")!, data: Data([0, 1, 2, 255]),
        date: Date(timeIntervalSinceReferenceDate: 123_456.789), decimal: Decimal(string: "12345.678901234567890")!)

    @Test func decodesWhatJSONDecoderDecodes() throws {
        let bytes = Array(try JSONEncoder().encode(Self.everything))
        let expected = try JSONDecoder().decode(Everything.self, from: Data(bytes))
        #expect(try JSONRecordDecoder().decode(Everything.self, from: bytes) == expected)
        #expect(expected == Self.everything)
    }

    @Test func readsWhiteSpaceEscapesAndNumberFormsAsJSONDecoderDoes() throws {
        struct Small: Codable, Equatable { var a: Int; var b: Double; var c: String; var d: [Bool]; var e: Int64? }
        let text = """
             { "c" : "A\\u00e9\\ud83c\\udf89\\/" ,
              "b": 1.25E+2, "a":10, "d" : [ true , false ],"e":null }\t
            """
        let expected = try JSONDecoder().decode(Small.self, from: Data(text.utf8))
        #expect(try JSONRecordDecoder().decode(Small.self, from: Array(text.utf8)) == expected)
        #expect(expected.c == "Aé🎉/")
        // A whole number written with a fraction or an exponent still decodes as an integer.
        #expect(try JSONRecordDecoder().decode([Int].self, from: Array("[1.0, 2e3, -0]".utf8)) == [1, 2000, 0])
    }

    @Test func anyStringRoundTrips() async {
        // Any scalar: the surrogate range (not scalars) is skipped over.
        let scalar = Gen<UInt32>.value(in: 0...0x10F7FF).map { UnicodeScalar($0 < 0xD800 ? $0 : $0 + 0x800)! }
        await propertyCheck(count: 300, input: scalar.array(of: 0...40)) { scalars in
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            let bytes = Array(try! JSONEncoder().encode(["text": text, "more": text + "!"]))
            #expect((try? JSONRecordDecoder().decode([String: String].self, from: bytes)) == ["text": text, "more": text + "!"])
        }
    }

    @Test func aDecoderKeptFromRecordToRecordGivesWhatAFreshOneGives() throws {
        struct Needs: Decodable, Equatable { var id: Int; var name: String }
        let everything = Array(try JSONEncoder().encode(Self.everything))
        let records = [everything, Array(#"{"name":"x","id":1}"#.utf8), Array(#"{"id":"1","name":"x"}"#.utf8),
                       Array(#"{"id":2,"#.utf8), Array(#" {"id":3, "name":"y", "extra":[1,{"a":2}]} "#.utf8), everything]
        let sequential = SequentialJSONDecoder()
        for record in records {
            if record.count > 100 {
                #expect(try sequential.decode(Everything.self, from: record) == Self.everything)
                continue
            }
            let fresh = Result { try JSONRecordDecoder().decode(Needs.self, from: record) }
            let kept = Result { try sequential.decode(Needs.self, from: record) }
            switch (fresh, kept) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)")
            default: Issue.record("one decoded \(String(decoding: record, as: UTF8.self)) and the other did not: \(fresh) \(kept)")
            }
        }
    }

    @Test func failsWhereJSONDecoderFailsWithTheSameKindOfError() {
        struct Needs: Decodable { var id: Int; var name: String }
        let cases: [(String, String)] = [
            (#"{"name":"x"}"#, "keyNotFound"),
            (#"{"id":"1","name":"x"}"#, "typeMismatch"),
            (#"{"id":null,"name":"x"}"#, "valueNotFound"),
            (#"{"id":1.5,"name":"x"}"#, "dataCorrupted"),
            (#"{"id":99999999999999999999,"name":"x"}"#, "dataCorrupted"),
            (#"{"id":1,"name":"x"} trailing"#, "dataCorrupted"),
            (#"{"id":1,"name":"x""#, "dataCorrupted"),
            (#"{"id":1,"name":"\q"}"#, "dataCorrupted"),
            (#"[1,2]"#, "typeMismatch"),
            ("", "dataCorrupted"),
        ]
        for (text, kind) in cases {
            #expect(Self.errorKind { _ = try JSONDecoder().decode(Needs.self, from: Data(text.utf8)) } == kind, "JSONDecoder on \(text)")
            #expect(Self.errorKind { _ = try JSONRecordDecoder().decode(Needs.self, from: Array(text.utf8)) } == kind, "JSONRecordDecoder on \(text)")
        }
        #expect(Self.errorKind { _ = try JSONRecordDecoder().decode(Int8.self, from: Array("300".utf8)) } == "dataCorrupted")
        #expect(Self.errorKind { _ = try JSONRecordDecoder().decode(String.self, from: [0x22, 0xFF, 0x22]) } == "dataCorrupted", "invalid UTF-8")
    }

    @Test func anErrorNamesThePathToTheValue() {
        struct Outer: Decodable { var items: [Inner] }
        let text = #"{"items":[{"name":"a","tags":[]},{"name":"b","tags":[1]}]}"#
        var path = ""
        do {
            _ = try JSONRecordDecoder().decode(Outer.self, from: Array(text.utf8))
        } catch let DecodingError.typeMismatch(_, context) {
            path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        } catch {}
        #expect(path == "items.1.tags.0")
    }

    static func errorKind(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "none"
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound: return "keyNotFound"
            case .typeMismatch: return "typeMismatch"
            case .valueNotFound: return "valueNotFound"
            case .dataCorrupted: return "dataCorrupted"
            @unknown default: return "unknown"
            }
        } catch {
            return "other: \(error)"
        }
    }
}
