@testable import InletCrypto

/// Hex literal helper for vectors; crashes on a malformed literal (a test bug, not a behaviour under test).
func bytes(_ hex: String) -> [UInt8] { try! Hex.decode(hex) }
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
