import OBSWorkflow

/// How the operations that read many executions one by one — triage, snapshot, wait, the
/// report's final read — read them: as resume resumes them, `concurrency` at once and paced
/// to what the service accepts (a window that widens with each answer, then the rate found
/// from 429/503 answers or stated by the gateway), `requestsPerSecond` a ceiling. A fixed
/// 16 at once read at a quarter of resume's speed; paced, a wide start costs nothing.
public struct ReadOptions: Sendable, Equatable {
    public static let defaultConcurrency = 64
    public var concurrency: Int
    public var requestsPerSecond: Int?

    public init(concurrency: Int = ReadOptions.defaultConcurrency, requestsPerSecond: Int? = nil) {
        self.concurrency = max(1, concurrency)
        self.requestsPerSecond = requestsPerSecond
    }
}

extension WorkflowService {
    /// This service for one call's many reads: retried as bulk work is, each attempt paced by
    /// `pacing` (shared by the call's workers).
    func forManyReads(_ pacing: Pacing) -> Self {
        retrying(retryPolicy.forBulkWork).paced(by: pacing)
    }
}
