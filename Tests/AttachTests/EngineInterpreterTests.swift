import Dashboard
import XCTest
@testable import Attach

/// The per-engine interpreter and the window tracker on the real captures.
final class EngineInterpreterTests: XCTestCase {
    func testVLLMSingleInstanceDuringLoad() throws {
        let r = try Captures.reading(Captures.vllmSingle)
        XCTAssertEqual(r.engine, .vllm)
        XCTAssertEqual(r.roles, [], "vLLM has no role label")
        XCTAssertEqual(r.modelName, "smollm2")
        XCTAssertEqual(r.running, 4)
        XCTAssertEqual(r.waiting, 2)
        XCTAssertEqual(r.waitingByReason, [NamedCount("capacity", 2), NamedCount("deferred", 0)])
        XCTAssertEqual(try XCTUnwrap(r.kvUsage), 0.011019283746556474, accuracy: 1e-15)
        XCTAssertEqual(r.kvBlocksTotal, 364)
        XCTAssertEqual(r.promptTokens, 87)
        XCTAssertEqual(r.generationTokens, 151)
        XCTAssertEqual(r.preemptions, 0)
        XCTAssertEqual(r.prefixQueries, 87)
        XCTAssertEqual(r.prefixHits, 0)
        XCTAssertEqual(r.histograms["itl"]?.count, 146)
        XCTAssertEqual(r.histograms["ttft"]?.count, 5)
        XCTAssertNil(r.histograms["kv_transfer"], "no connector on a single instance")
    }

    func testVLLMDecodeInstanceHoldsNixlTransfersAndFetchStages() throws {
        let r = try Captures.reading(Captures.vllmDecode)
        XCTAssertEqual(r.running, 4)
        XCTAssertEqual(r.waitingByReason.first { $0.name == "deferred" }?.count, 1)
        XCTAssertEqual(r.queues, [NamedCount("kv fetch waiting_to_start", 0), NamedCount("kv fetch in_progress", 0),
                                  NamedCount("kv fetch completed_waiting", 1)])
        XCTAssertEqual(r.transferFailures, 0)
        let xfer = try XCTUnwrap(r.histograms["kv_transfer"])
        XCTAssertEqual(xfer.count, 6)
        // Buckets 0.005:2, 0.01:4 → the median (rank 3) is halfway through (0.005, 0.01].
        XCTAssertEqual(try XCTUnwrap(xfer.quantile(0.5)), 0.0075, accuracy: 1e-12)
        XCTAssertEqual(r.histograms["kv_transfer_bytes"]?.sum, 1.769472e+07)
    }

    func testVLLMPrefillInstanceAfterRun() throws {
        let r = try Captures.reading(Captures.vllmPrefill)
        XCTAssertEqual(r.running, 0)
        XCTAssertEqual(r.promptTokens, 105)
        XCTAssertEqual(r.generationTokens, 6)
        XCTAssertEqual(r.kvBlocksTotal, 364)
    }

    func testOldVLLMNamesReadLikeNewOnes() throws {
        let text = try Captures.text(Captures.vllmSingle)
            .replacingOccurrences(of: "vllm:kv_cache_usage_perc", with: "vllm:gpu_cache_usage_perc")
            .replacingOccurrences(of: "vllm:inter_token_latency_seconds", with: "vllm:time_per_output_token_seconds")
            .replacingOccurrences(of: "vllm:prefix_cache_", with: "vllm:gpu_prefix_cache_")
        XCTAssertFalse(text.contains("vllm:kv_cache_usage_perc"))
        let old = try EngineInterpreter.read(PrometheusText.parse(text))
        let new = try Captures.reading(Captures.vllmSingle)
        XCTAssertEqual(old.kvUsage, new.kvUsage)
        XCTAssertEqual(old.histograms["itl"], new.histograms["itl"])
        XCTAssertEqual(old.prefixQueries, new.prefixQueries)
    }

    func testLlamaServer() throws {
        let r = try Captures.reading(Captures.llamaServer)
        XCTAssertEqual(r.engine, .llamacpp)
        XCTAssertEqual(r.running, 2)
        XCTAssertEqual(r.waiting, 2)
        XCTAssertEqual(r.queues, [NamedCount("deferred", 2), NamedCount("processing", 2)])
        XCTAssertEqual(r.promptTokens, 63)
        XCTAssertEqual(r.generationTokens, 40)
        XCTAssertEqual(r.prefixHits, 0)
        XCTAssertEqual(r.prefixQueries, 63)
        XCTAssertTrue(r.histograms.isEmpty)
    }

    func testSGLangPDQueuesAndTokenKV() throws {
        // SGLang's names (from its metrics collector) on a decode instance.
        let page = try PrometheusText.parse("""
        sglang:num_running_reqs{engine_type="decode",model_name="m"} 3.0
        sglang:num_queue_reqs{engine_type="decode",model_name="m"} 1.0
        sglang:num_used_tokens{engine_type="decode",model_name="m"} 512.0
        sglang:max_total_num_tokens{engine_type="decode",model_name="m"} 2048.0
        sglang:num_decode_prealloc_queue_reqs{engine_type="decode",model_name="m"} 2.0
        sglang:num_decode_transfer_queue_reqs{engine_type="decode",model_name="m"} 1.0
        sglang:kv_transfer_latency_ms{engine_type="decode",model_name="m"} 12.5
        sglang:generation_tokens_total{engine_type="decode",model_name="m"} 99.0
        sglang:cache_hit_rate{engine_type="decode",model_name="m"} 0.25
        """)
        let r = try EngineInterpreter.read(page)
        XCTAssertEqual(r.engine, .sglang)
        XCTAssertEqual(r.roles, ["decode"])
        XCTAssertEqual(r.kvUsage, 0.25)
        XCTAssertEqual(r.queues, [NamedCount("decode prealloc", 2), NamedCount("decode transfer", 1)])
        XCTAssertEqual(r.lastTransferSeconds, 0.0125)
        let o = InstanceTracker().adding(r, at: 0).observed(ObservedInstance(url: "u", role: "decode"))
        XCTAssertEqual(o.kvBlocksUsed, 512)
        XCTAssertEqual(o.kvBlocksTotal, 2048)
        XCTAssertEqual(o.prefixHitRate, 0.25)
    }

    func testUnknownPageIsAnError() throws {
        XCTAssertThrowsError(try EngineInterpreter.read(PrometheusText.parse("process_cpu_seconds_total 1\n")))
    }

    /// Rates and percentile estimates come from the change between the window's ends.
    func testTrackerRatesAndEstimatesOverTheWindow() throws {
        let text = try Captures.text(Captures.vllmSingle)
        let first = try EngineInterpreter.read(PrometheusText.parse(text))
        // The same server 2 s later: 100 more generated tokens, 40 more prompt tokens, 2 prefix hits
        // of 40 queries, and 4 new TTFTs in (0.04, 0.06].
        var later = first
        later.generationTokens = 251; later.promptTokens = 127
        later.prefixQueries = 127; later.prefixHits = 2
        var ttft = first.histograms["ttft"]!
        ttft.buckets = ttft.buckets.map { ($0.upperBound, $0.count + ($0.upperBound >= 0.06 ? 4 : 0)) }
        ttft.count += 4; ttft.sum += 0.2
        later.histograms["ttft"] = ttft
        var tracker = InstanceTracker(window: 10)
        tracker.add(first, at: 1)
        let before = tracker.observed(ObservedInstance(url: "http://x", role: "both"))
        XCTAssertNil(before.generationTokensPerSecond, "one reading has no rate")
        XCTAssertTrue(before.estimates.isEmpty)
        XCTAssertEqual(before.kvBlocksUsed, 4, "1.1% of 364 blocks")
        tracker.add(later, at: 3)
        let o = tracker.observed(ObservedInstance(url: "http://x", role: "both"))
        XCTAssertEqual(try XCTUnwrap(o.generationTokensPerSecond), 50, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(o.promptTokensPerSecond), 20, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(o.prefixHitRate), 0.05, accuracy: 1e-9)
        let estimate = try XCTUnwrap(o.estimates.first { $0.name == "TTFT" })
        XCTAssertEqual(estimate.count, 4)
        XCTAssertEqual(estimate.p50, 0.05, accuracy: 1e-9)
        XCTAssertNil(o.estimates.first { $0.name == "ITL" }, "no new ITL samples in the window")
        // Readings older than the window drop out: after 20 s of no change the rate is 0.
        tracker.add(later, at: 23)
        tracker.add(later, at: 24)
        XCTAssertEqual(tracker.observed(ObservedInstance(url: "http://x", role: "both")).generationTokensPerSecond, 0)
    }
}
