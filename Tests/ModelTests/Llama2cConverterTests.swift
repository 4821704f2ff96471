import Foundation
import Kernels
import XCTest
@testable import Model

final class Llama2cConverterTests: XCTestCase {
    private func convert(_ type: TensorType) throws -> (GGUFWriter, [String]) {
        try Llama2cConverter.convert(checkpoint: GGUFTestSupport.sharedModel("stories260K.bin"),
                                     tokenizer: GGUFTestSupport.sharedModel("tok512.bin"), type: type)
    }

    /// The converted file must equal the shared reference byte for byte: metadata, layout and data.
    private func assertMatchesShared(_ type: TensorType, _ reference: String) throws {
        let (writer, notes) = try convert(type)
        let converted = try GGUFFile(bytes: writer.serialize(), name: "converted.gguf")
        let expected = try GGUFFile(path: GGUFTestSupport.sharedModel(reference))
        XCTAssertEqual(converted.metadataKeys, expected.metadataKeys)
        for key in expected.metadataKeys {
            XCTAssertEqual(converted.metadata[key], expected.metadata[key], "metadata \(key)")
        }
        XCTAssertEqual(converted.tensors, expected.tensors)
        for t in expected.tensors {
            XCTAssertTrue(converted.bytes(of: t).elementsEqual(expected.bytes(of: t)), "tensor data of \(t.name)")
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: GGUFTestSupport.sharedModel(reference)))
        XCTAssertEqual(writer.serialize(), [UInt8](whole), "whole file")
        if type == .q8_0 {
            XCTAssertEqual(notes.count, 5)
            XCTAssertEqual(notes.first, "blk.0.ffn_down.weight stays F32: rows of 172 are not a multiple of 32")
        } else {
            XCTAssertEqual(notes, [])
        }
    }

    func testF32MatchesSharedGGUF() throws { try assertMatchesShared(.f32, "stories260K-f32.gguf") }
    func testQ8_0MatchesSharedGGUF() throws { try assertMatchesShared(.q8_0, "stories260K-q8_0.gguf") }
}
