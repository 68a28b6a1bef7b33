import InletSignatures

extension WebhookRejection {
    /// The receiver's rejection for a scheme's verdict: same message, the matching `signature_*` code.
    init(_ rejection: SignatureRejection) {
        let code: RejectionCode = switch rejection.reason {
        case .signatureMissing: .signatureMissing
        case .signatureMalformed: .signatureMalformed
        case .signatureMismatch: .signatureMismatch
        case .timestampOutOfTolerance: .timestampOutOfTolerance
        case .replayed: .replayed
        }
        self.init(code, rejection.message)
    }

    /// The 400 for a handshake the receiver will not answer.
    init(_ refusal: HandshakeRefusal) {
        self.init(.invalidHandshake, "\(refusal.kind.rawValue): \(refusal.message)")
    }
}

extension ReceiverError {
    /// A scheme's error in the receiver's vocabulary: `.invalidSecret` or `.cryptoFailure`, same reason.
    init(_ error: SignatureError, file: String = #fileID, line: Int = #line) {
        self.init(error.code == .invalidSecret ? .invalidSecret : .cryptoFailure, error.reason, file: file, line: line)
    }
}
