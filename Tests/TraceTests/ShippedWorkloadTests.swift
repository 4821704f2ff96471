import Engine
import Foundation
import TestSupport
import XCTest
@testable import Trace

/// The workloads in Traces/ are exactly what `ShippedWorkload.all` generates. To regenerate
/// them after changing a generator: `PDSCOPE_WRITE_WORKLOADS=1 swift test --filter ShippedWorkloadTests`.
final class ShippedWorkloadTests: XCTestCase {
    func testShippedWorkloadsAreReproducibleReadableAndSmall() throws {
        let directory = TestFiles.packageRoot.appendingPathComponent("Traces")
        let regenerate = ProcessInfo.processInfo.environment["PDSCOPE_WRITE_WORKLOADS"] == "1"
        for shipped in ShippedWorkload.all {
            let path = directory.appendingPathComponent(shipped.fileName).path
            let workload = shipped.makeWorkload()
            let text = WorkloadFile.encode(workload)
            if regenerate { try WorkloadFile.write(workload, to: path) }
            guard let committed = try? String(contentsOfFile: path, encoding: .utf8) else {
                XCTFail("\(path) is missing; run PDSCOPE_WRITE_WORKLOADS=1 swift test --filter ShippedWorkloadTests")
                continue
            }
            XCTAssertEqual(committed, text, "\(shipped.fileName) differs from its generator; regenerate it")
            XCTAssertLessThan(committed.utf8.count, 200_000)
            let read = try WorkloadFile.read(path: path)
            XCTAssertEqual(read.requests, workload.requests)
            XCTAssertEqual(read.notes, [])
            for r in read.requests {
                if case .synthetic(let count, _, _) = r.prompt {
                    XCTAssertLessThanOrEqual(count + r.maxTokens, ShippedWorkload.contextLength)
                }
            }
        }
    }
}
