import Foundation
import Testing
@testable import InletCore

/// Each single-delivery provider's documented request shape, read with its definition.
@Suite struct DefinitionsProviderSampleTests {
    static func read(_ definition: WebhookDefinition, headers: [String: String] = [:], body: String) throws -> DeliveryAttributes {
        try DeliveryAttributeReader(definition: definition).read(body: Array(body.utf8)) { name in
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    @Test func gitHub() throws {
        let attributes = try Self.read(.github, headers: ["X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
                                                          "X-GitHub-Event": "pull_request",
                                                          "X-GitHub-Hook-Installation-Target-Type": "repository"], body: "{}")
        #expect(attributes == DeliveryAttributes(deliveryID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", event: "pull_request", variant: "repository"))
    }

    @Test func standardWebhooks() throws {
        let body = #"{"type":"invoice.paid","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"1f81eb52-5198-4599-803e-771906343485"}}"#
        let attributes = try Self.read(.standardWebhooks, headers: ["webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"], body: body)
        #expect(attributes == DeliveryAttributes(deliveryID: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", event: "invoice.paid",
                                                 eventTime: "2022-11-03T20:26:10.344522Z"))
    }

    @Test func stripe() throws {
        let body = """
        {
          "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy",
          "object": "event",
          "api_version": "2019-02-19",
          "created": 1686089970,
          "data": { "object": { "id": "seti_1NG8Du2eZvKYlo2C9XMqbR0x", "object": "setup_intent" } },
          "livemode": false,
          "pending_webhooks": 0,
          "request": { "id": null, "idempotency_key": null },
          "type": "setup_intent.created"
        }
        """
        let attributes = try Self.read(.stripe, body: body)
        #expect(attributes == DeliveryAttributes(deliveryID: "evt_1NG8Du2eZvKYlo2CUI79vXWy", event: "setup_intent.created",
                                                 variant: "2019-02-19", eventTime: "2023-06-06T22:19:30.000Z"))
        #expect(!WebhookDefinition.stripe.declares(attributes.event)) // routed to the unrouted topic, kept
    }

    @Test func slackEventCallback() throws {
        let body = """
        {"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456",
         "event":{"type":"message","subtype":"message_changed","channel":"C123ABC456","user":"U123ABC456","text":"Live long and prospect.","ts":"1355517523.000005","event_ts":"1355517523.000005","channel_type":"channel"},
         "type":"event_callback","authed_users":["U123ABC456"],"event_id":"Ev123ABC456","event_time":1355517523}
        """
        let attributes = try Self.read(.slack, body: body)
        #expect(attributes == DeliveryAttributes(deliveryID: "Ev123ABC456", event: "message", variant: "message_changed",
                                                 eventTime: "2012-12-14T20:38:43.000Z"))
    }

    @Test func slackRateLimitNoticeHasADerivedIDAndIsNamedByItsType() throws {
        let body = #"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","type":"app_rate_limited","team_id":"T123456","minute_rate_limited":1518467820,"api_app_id":"A123456"}"#
        let attributes = try Self.read(.slack, body: body)
        #expect(attributes.event == "app_rate_limited")
        #expect(attributes.deliveryID == "slack-" + StableDigest.fnv1a128(parts: ["app_rate_limited", "A123456", "T123456", "1518467820"]))
    }

    @Test func shopifyPrefersTheEventID() throws {
        var headers = ["X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": "XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=",
                       "X-Shopify-Shop-Domain": "shop.myshopify.com", "X-Shopify-API-Version": "2024-07",
                       "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
                       "X-Shopify-Triggered-At": "2023-03-29T18:00:27.877041743Z",
                       "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5"]
        let attributes = try Self.read(.shopify, headers: headers, body: #"{"id":820982911946154508}"#)
        #expect(attributes == DeliveryAttributes(deliveryID: "98880550-7158-44d4-b7cd-2c97c8a091b5", event: "orders/create",
                                                 variant: "2024-07", eventTime: "2023-03-29T18:00:27.877041743Z"))
        headers["X-Shopify-Event-Id"] = nil
        #expect(try Self.read(.shopify, headers: headers, body: "{}").deliveryID == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    }

    @Test func linear() throws {
        let body = """
        {"action":"create","type":"Issue","createdAt":"2020-01-23T12:53:18.084Z","organizationId":"5b3f2a66-8a9a-4b0a-9c0e-2b7d4a1c3e5f",
         "data":{"id":"2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9","title":"Test issue"},"url":"https://linear.app/issue/LIN-1778/foo-bar",
         "webhookTimestamp":1676056940508,"webhookId":"000042e3-d123-4980-b49f-8e140eef9329"}
        """
        let attributes = try Self.read(.linear, headers: ["Linear-Delivery": "234d1a4e-b617-4388-90fe-adc3633d6b72",
                                                          "Linear-Event": "Issue"], body: body)
        #expect(attributes == DeliveryAttributes(deliveryID: "234d1a4e-b617-4388-90fe-adc3633d6b72", event: "Issue",
                                                 eventTime: "2020-01-23T12:53:18.084Z"))
        #expect(try Self.read(.linear, headers: ["Linear-Delivery": "d"], body: body).event == "Issue")
    }

    @Test func twilioStatusCallbackIsFormEncoded() throws {
        let body = "SmsSid=SM0123456789abcdef0123456789abcdef&SmsStatus=delivered&MessageStatus=delivered&To=%2B15558675310"
            + "&MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=AC0123456789abcdef0123456789abcdef&From=%2B15017250604&ApiVersion=2010-04-01"
        #expect(WebhookDefinition.twilio.bodyEncoding == .formURLEncoded)
        let withToken = try Self.read(.twilio, headers: ["I-Twilio-Idempotency-Token": "9a3d6d6b-9a1b-4c53-8f2d-4b5e1f0c2a77"], body: body)
        #expect(withToken == DeliveryAttributes(deliveryID: "9a3d6d6b-9a1b-4c53-8f2d-4b5e1f0c2a77", event: "delivered"))
        let derived = try Self.read(.twilio, body: body)
        #expect(derived.deliveryID.hasPrefix("twilio-"))
        let sent = try Self.read(.twilio, body: body.replacingOccurrences(of: "Status=delivered", with: "Status=sent"))
        #expect(sent.event == "sent")
        #expect(sent.deliveryID != derived.deliveryID)
        let call = try Self.read(.twilio, body: "CallSid=CA42ed11f93dc08b952027ffbc406d0868&CallStatus=completed&AccountSid=AC1")
        #expect(call.event == "completed")
    }

    @Test func zoomIDsAreDerivedStableAcrossRetriesAndDistinctPerParticipant() throws {
        func joined(_ participant: String) -> String {
            """
            {"event":"meeting.participant_joined","event_ts":1626230691572,
             "payload":{"account_id":"AAAAAABBBB","object":{"id":"1234567890","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"x1yCzABCDEfg23HiJKl4mN",
               "participant":{"user_id":"\(participant)","user_name":"Jill Chill","participant_uuid":"p-\(participant)","join_time":"2021-07-14T02:44:51Z"}}}}
            """
        }
        let first = try Self.read(.zoom, headers: ["x-zm-request-timestamp": "1626230691"], body: joined("16778240"))
        let retry = try Self.read(.zoom, headers: ["x-zm-request-timestamp": "1626230755"], body: joined("16778240"))
        let other = try Self.read(.zoom, body: joined("16778241"))
        #expect(first.event == "meeting.participant_joined")
        #expect(first.eventTime == "2021-07-14T02:44:51.572Z")
        #expect(first.deliveryID.hasPrefix("zoom-"))
        #expect(first.deliveryID == retry.deliveryID)
        #expect(first.deliveryID != other.deliveryID)
    }

    @Test func intercom() throws {
        let body = """
        {"type":"notification_event","app_id":"ecahpwf5","data":{"type":"notification_event_data","item":{"type":"conversation","id":"147"}},
         "links":{},"id":"notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3","topic":"conversation.user.replied","delivery_status":"pending",
         "delivery_attempts":1,"delivered_at":0,"first_sent_at":1410188629,"created_at":1410188628,"self":null}
        """
        #expect(try Self.read(.intercom, body: body) == DeliveryAttributes(deliveryID: "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3",
                                                                          event: "conversation.user.replied",
                                                                          eventTime: "2014-09-08T15:03:48.000Z"))
    }

    @Test func square() throws {
        let body = """
        {"merchant_id":"6SSW7HV8K2ST5","type":"payment.created","event_id":"13b867cf-db3d-4b1c-90b6-2f32a9d78124",
         "created_at":"2020-02-06T21:27:30.792Z","data":{"type":"payment","id":"KkAkhdMsgzn59SM8A89WgKwekxLZY",
         "object":{"payment":{"id":"hYy9pRFVxpDsO1FB05SunFWUe9JZY","status":"APPROVED"}}}}
        """
        #expect(try Self.read(.square, body: body) == DeliveryAttributes(deliveryID: "13b867cf-db3d-4b1c-90b6-2f32a9d78124",
                                                                        event: "payment.created", eventTime: "2020-02-06T21:27:30.792Z"))
    }

    @Test func paddle() throws {
        let body = """
        {"event_id":"evt_01h8bzakzx3hm2fmen703n5q45","event_type":"transaction.completed","occurred_at":"2023-08-21T11:57:54.213786Z",
         "notification_id":"ntf_01h8bzam1z32agrxjwhjgqk8w6","data":{"id":"txn_01h8bz9cjh6rq5kzrbz3ckr3y8","status":"completed"}}
        """
        #expect(try Self.read(.paddle, body: body) == DeliveryAttributes(deliveryID: "evt_01h8bzakzx3hm2fmen703n5q45",
                                                                        event: "transaction.completed",
                                                                        eventTime: "2023-08-21T11:57:54.213786Z"))
    }

    @Test func jira() throws {
        let body = """
        {"timestamp":1525697862456,"webhookEvent":"jira:issue_updated","issue_event_type_name":"issue_generic",
         "user":{"accountId":"5b10a2844c20165700ede21g","displayName":"Mia Krystof"},
         "issue":{"id":"10004","key":"SCRUM-5","fields":{"summary":"Sample"}},
         "changelog":{"id":"10104","items":[{"field":"status","fromString":"To Do","toString":"In Progress"}]}}
        """
        let attributes = try Self.read(.jira, headers: ["X-Atlassian-Webhook-Identifier": "1a2b3c4d-jira-delivery"], body: body)
        #expect(attributes == DeliveryAttributes(deliveryID: "1a2b3c4d-jira-delivery", event: "jira:issue_updated",
                                                 variant: "issue_generic", eventTime: "2018-05-07T12:57:42.456Z"))
    }

    @Test func gitLabUsesTheIdempotencyKeyAndObjectKind() throws {
        let body = #"{"object_kind":"merge_request","event_type":"merge_request","user":{"id":1},"project":{"id":1},"object_attributes":{"id":99,"iid":1,"action":"open"}}"#
        let headers = ["X-Gitlab-Event": "Merge Request Hook", "Idempotency-Key": "f7cbf6b5-3f2f-4b1c-8d1e-6d52b8c1f6a2",
                       "X-Gitlab-Webhook-UUID": "1c2a9a4e-0f7b-4c8e-9b42-5f3a1d7e6c11", "X-Gitlab-Event-UUID": "shared-by-the-request"]
        let attributes = try Self.read(.gitlab, headers: headers, body: body)
        #expect(attributes == DeliveryAttributes(deliveryID: "f7cbf6b5-3f2f-4b1c-8d1e-6d52b8c1f6a2", event: "merge_request",
                                                 variant: "Merge Request Hook"))
        var older = headers
        older["Idempotency-Key"] = nil
        #expect(try Self.read(.gitlab, headers: older, body: body).deliveryID == "1c2a9a4e-0f7b-4c8e-9b42-5f3a1d7e6c11")
        let systemHook = #"{"event_name":"project_create","name":"StoreCloud"}"#
        #expect(try Self.read(.gitlab, headers: older, body: systemHook).event == "project_create")
    }

    @Test func bitbucket() throws {
        let headers = ["X-Event-Key": "pullrequest:created", "X-Request-UUID": "afe9b6e8-1c3d-4bde-9b6b-6a4f5e8e9a10",
                       "X-Hook-UUID": "cb1c8a7a-3e46-4c2c-8f57-6a0a3d5e6f21", "X-Attempt-Number": "1"]
        #expect(try Self.read(.bitbucket, headers: headers, body: #"{"pullrequest":{"id":1}}"#)
                == DeliveryAttributes(deliveryID: "afe9b6e8-1c3d-4bde-9b6b-6a4f5e8e9a10", event: "pullrequest:created"))
    }

    @Test func mailgun() throws {
        let body = """
        {"signature":{"timestamp":"1529006854","token":"a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0","signature":"d2271d12299f6592d9d44cd9d250f0704e4674c30d79d07c47a66f95ce71cf55"},
         "event-data":{"event":"failed","id":"G9Bn5sl1TC6nu79C8C0bwg","timestamp":1521472262.908181,"severity":"permanent",
           "recipient":"alice@example.com","delivery-status":{"code":550,"message":""}}}
        """
        #expect(try Self.read(.mailgun, body: body) == DeliveryAttributes(deliveryID: "G9Bn5sl1TC6nu79C8C0bwg", event: "failed",
                                                                         variant: "permanent", eventTime: "2018-03-19T15:11:02.908Z"))
    }

    @Test func discordWebhookEvent() throws {
        func authorized(user: String) -> String {
            """
            {"version":1,"application_id":"1234560123453231555","type":1,
             "event":{"type":"APPLICATION_AUTHORIZED","timestamp":"2024-10-18T14:42:53.064834",
               "data":{"integration_type":1,"scopes":["applications.commands"],"user":{"id":"\(user)","username":"mason"}}}}
            """
        }
        let first = try Self.read(.discord, body: authorized(user: "123456789012345678"))
        #expect(first.event == "APPLICATION_AUTHORIZED")
        #expect(first.eventTime == "2024-10-18T14:42:53.064834Z")
        #expect(first.deliveryID.hasPrefix("discord-"))
        #expect(try Self.read(.discord, body: authorized(user: "123456789012345678")).deliveryID == first.deliveryID)
        #expect(try Self.read(.discord, body: authorized(user: "223456789012345678")).deliveryID != first.deliveryID)
    }
}
