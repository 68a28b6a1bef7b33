/// Throwaway keys for ECDSAP256PrivateKeyImportTests, made once with the `openssl` command line (OpenSSL 3.0.19) as
/// noted on each. THEY SIGN NOTHING REAL: generated for these tests only and published here on purpose.
enum ECDSAP256ImportThrowawayKeys {
    /// P-256, PKCS#8: `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`.
    static let p256PKCS8 = """
    -----BEGIN PRIVATE KEY-----
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgHXEp/WH9jpPmrVmR
    no/SZ3UjK7RXucPp91U9rl/jpXOhRANCAATLpalOZ+2TbGjcs+2DkjEUFWJY1WBU
    7TvjpEkqrsW2i2RQg7yawkevWJXogQzA7Jt+9n04dyYMXZWAvzuLizhC
    -----END PRIVATE KEY-----
    """

    /// P-256, SEC1 after an `EC PARAMETERS` block: `openssl ecparam -name prime256v1 -genkey`.
    static let p256SEC1WithParameters = """
    -----BEGIN EC PARAMETERS-----
    BggqhkjOPQMBBw==
    -----END EC PARAMETERS-----
    -----BEGIN EC PRIVATE KEY-----
    MHcCAQEEIDy7Xxl75Son8sZuvrHQW7m4rbqcjX/Se+fNx15I3XaZoAoGCCqGSM49
    AwEHoUQDQgAEkvFtyi/d2NUrhDxRIJ/FeIKxRitW/hqAU/r375lOtOXau/xsMpGX
    A27RslsWZM7oWSDGvMsjmqI5SecmilHaGw==
    -----END EC PRIVATE KEY-----
    """

    /// The same key as ``p256SEC1WithParameters``, SEC1 alone: `openssl ec -in KEY.pem`.
    static let p256SEC1 = """
    -----BEGIN EC PRIVATE KEY-----
    MHcCAQEEIDy7Xxl75Son8sZuvrHQW7m4rbqcjX/Se+fNx15I3XaZoAoGCCqGSM49
    AwEHoUQDQgAEkvFtyi/d2NUrhDxRIJ/FeIKxRitW/hqAU/r375lOtOXau/xsMpGX
    A27RslsWZM7oWSDGvMsjmqI5SecmilHaGw==
    -----END EC PRIVATE KEY-----
    """

    /// The same key again, with the curve spelled out: `openssl ec -in KEY.pem -param_enc explicit`.
    static let p256SEC1ExplicitParameters = """
    -----BEGIN EC PRIVATE KEY-----
    MIIBaAIBAQQgPLtfGXvlKifyxm6+sdBbubitupyNf9J7583HXkjddpmggfowgfcC
    AQEwLAYHKoZIzj0BAQIhAP////8AAAABAAAAAAAAAAAAAAAA////////////////
    MFsEIP////8AAAABAAAAAAAAAAAAAAAA///////////////8BCBaxjXYqjqT57Pr
    vVV2mIa8ZR0GsMxTsPY7zjw+J9JgSwMVAMSdNgiG5wSTamZ44ROdJreBn36QBEEE
    axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpZP40Li/hp/m47n60p8D54W
    K84zV2sxXs7LtkBoN79R9QIhAP////8AAAAA//////////+85vqtpxeehPO5ysL8
    YyVRAgEBoUQDQgAEkvFtyi/d2NUrhDxRIJ/FeIKxRitW/hqAU/r375lOtOXau/xs
    MpGXA27RslsWZM7oWSDGvMsjmqI5SecmilHaGw==
    -----END EC PRIVATE KEY-----
    """

    /// P-384, PKCS#8: `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384`.
    static let p384PKCS8 = """
    -----BEGIN PRIVATE KEY-----
    MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCtdgrVM4AmjhquA3a3
    zLCo2r7d965vq1aWYV3aoY7gWVmFl6Hwo0+RtjXH4qDYiVuhZANiAATF1YFAdoD7
    O2d8qg4FY6XAZ1YjaXkIpnaUYpylGV1K1Qg1//CAbLnx5nBEgWH2NW1JCNZO+OFF
    Vg1yuoqt1BIt/Pafdw4H9itmI8LfoRXtKo5JV+j3pgH+HRz4kR3OiRM=
    -----END PRIVATE KEY-----
    """

    /// The same P-384 key as SEC1: `openssl ec -in KEY.pem`.
    static let p384SEC1 = """
    -----BEGIN EC PRIVATE KEY-----
    MIGkAgEBBDCtdgrVM4AmjhquA3a3zLCo2r7d965vq1aWYV3aoY7gWVmFl6Hwo0+R
    tjXH4qDYiVugBwYFK4EEACKhZANiAATF1YFAdoD7O2d8qg4FY6XAZ1YjaXkIpnaU
    YpylGV1K1Qg1//CAbLnx5nBEgWH2NW1JCNZO+OFFVg1yuoqt1BIt/Pafdw4H9itm
    I8LfoRXtKo5JV+j3pgH+HRz4kR3OiRM=
    -----END EC PRIVATE KEY-----
    """

    /// secp256k1 (a 256-bit curve, not P-256), SEC1: `openssl ecparam -name secp256k1 -genkey -noout`.
    static let secp256k1SEC1 = """
    -----BEGIN EC PRIVATE KEY-----
    MHQCAQEEIFgziHlp/5TXLRu7iH+hAAQuVyD+leBMDZGNxHoRxXJxoAcGBSuBBAAK
    oUQDQgAEZ+aRNl9f93Ah6cdKF2aADBlDtOHIkGihEuMZq6GQCWWZXhjS+IBZvwZc
    hI5bHnNRykumbGBttfEhsdgyQYiGdQ==
    -----END EC PRIVATE KEY-----
    """

    /// Ed25519, PKCS#8: `openssl genpkey -algorithm ed25519`.
    static let ed25519PKCS8 = """
    -----BEGIN PRIVATE KEY-----
    MC4CAQAwBQYDK2VwBCIEICpOrK/hk2Nk1lHuzUYZwqPmbffZxKO9NZ2vx2gMAQpw
    -----END PRIVATE KEY-----
    """

    /// RSA (512 bits, to stay short), PKCS#8: `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512`.
    static let rsa512PKCS8 = """
    -----BEGIN PRIVATE KEY-----
    MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEA1S2SvXHYHMP+LZZP
    G+yNFeD32xt3kNi3jBnaX3zqqOXGd7fCmT4eNyxh6g3kEf7SaJ5Hx+M6BqtV4jfH
    bZTJZwIDAQABAkAcgrzWY2xw5HGRLUIlTOzNmUns3u6Ny744mZiQHsfPkLTnDCYD
    Liv57CRG57X/A0og/EQWhWYeF0gefJTZe6wpAiEA+qTVuLSIgPONeDD4+VLJX6M0
    GKetRBZ2iI42Vi1iUdUCIQDZu8dXdTECdsJG5GVqIIS2Ua9QqWlROa354C3bRUOQ
    SwIgJlYf+mhimJaoBMI40qm+80nbJgo/jjKBXtGhrfyzFSECIBTIyA6hMTx6+bCq
    vMOUtxZwVbvtcBBA4UqpC7eStRBhAiEAkZIptkwBtdlyUa+fJeLsUYFRBO7oqSjC
    ww/hHQcvW20=
    -----END PRIVATE KEY-----
    """

    /// ``p256PKCS8`` encrypted (passphrase `throwaway`): `openssl pkcs8 -topk8 -v2 aes-256-cbc`.
    static let p256EncryptedPKCS8 = """
    -----BEGIN ENCRYPTED PRIVATE KEY-----
    MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAi3nrVV/qBgOAICCAAw
    DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEKsKCrCnFJ2Q4CdQI1DEA5wEgZCS
    8qAt3MUjGGCyeWgHd7IGK4omTSoRhmbryugb58oV/DF5T4bGIumz39GOOOLHG/p9
    /HkPu2+Fwi9egUHHASJXUkt0jhdKsGE2psOrEEjZtVH9j01iRtLlJaJW6mCYVs7/
    FdPGkK34XWkYTKtS9eONNrgveHb+LM/aFHmXI/SPW4ygW7pvN+SoevurStVT6+8=
    -----END ENCRYPTED PRIVATE KEY-----
    """

    /// ``p256SEC1`` encrypted the traditional way (RFC 1421 headers): `openssl ec -aes256`.
    static let p256EncryptedSEC1 = """
    -----BEGIN EC PRIVATE KEY-----
    Proc-Type: 4,ENCRYPTED
    DEK-Info: AES-256-CBC,1B2EFEE3BFD8B30E06A8F4E8D1E30CCB
    
    Hp7VgPbp1n71X24EJtPMDxO7MKaE67ZOjo+Mi/hUsg4weysp2KAUoYNCNQkTNlrr
    CC2cpk6+X9q5y7TfLkEz5gMWOzCJxr88ysm24quMeaZpgCuJnONFMHLsMQP0yQkh
    2NDaVlvWdBW0n3Go6tpXGhYwURVkY601AAPck7rj7Ko=
    -----END EC PRIVATE KEY-----
    """

    /// `openssl pkey -in KEY.pem -pubout -outform DER | base64` of ``p256PKCS8``.
    static let p256PKCS8PublicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEy6WpTmftk2xo3LPtg5IxFBViWNVgVO0746RJKq7FtotkUIO8msJHr1iV6IEMwOybfvZ9OHcmDF2VgL87i4s4Qg=="
    /// The same for ``p256SEC1`` (and its other encodings).
    static let p256SEC1PublicKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEkvFtyi/d2NUrhDxRIJ/FeIKxRitW/hqAU/r375lOtOXau/xsMpGXA27RslsWZM7oWSDGvMsjmqI5SecmilHaGw=="
}
