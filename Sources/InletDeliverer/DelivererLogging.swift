/// Logging metadata keys of the deliverer, in one place. Values never include bodies or secrets.
enum LogKey {
    static let subscription = "inlet.subscription"
    static let url = "inlet.url"
    static let errorCode = "inlet.error_code"
    static let records = "inlet.records"
    static let attempts = "inlet.attempts"
    static let chunk = "inlet.chunk"
    static let outcome = "inlet.outcome"
    static let delay = "inlet.delay"
    static let topics = "inlet.topics"
    static let error = "inlet.error"
    static let batchRecords = "inlet.batch_records"
}
