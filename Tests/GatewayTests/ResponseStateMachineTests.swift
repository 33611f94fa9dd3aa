import Testing

@testable import Gateway

@Suite("ResponseStateMachine")
struct ResponseStateMachineTests {
    typealias Machine = ResponseStateMachine
    let head: [(name: String, value: String)] = [("x-echo-a", "1")]

    @Test("A call that ends before any head is answered with its status alone (trailers-only)")
    func endBeforeHeadIsTrailersOnly() {
        for mode in [Machine.Mode.buffered, .streamed] {
            var machine = Machine(mode: mode)
            guard case .sendTrailersOnly = machine.ended() else {
                Issue.record("expected trailers-only in \(mode)")
                continue
            }
            #expect(machine.isFinished)
        }
    }

    @Test("A head with no messages becomes one whole response carrying that head")
    func headThenEndIsWholeResponse() {
        var machine = Machine(mode: .streamed)
        machine.headReceived(head)
        guard case .sendWholeResponse(let metadata) = machine.ended() else {
            Issue.record("expected a whole response")
            return
        }
        #expect(metadata.map(\.name) == ["x-echo-a"])
    }

    @Test("A streamed call sends the head with its first messages, then chunks, then the trailer frame")
    func streamedSequence() {
        var machine = Machine(mode: .streamed)
        machine.headReceived(head)
        guard case .startStreamAndSend(let metadata) = machine.messagesReady() else {
            Issue.record("first messages must start the stream")
            return
        }
        #expect(metadata.first?.value == "1")
        guard case .send = machine.messagesReady() else {
            Issue.record("later messages are plain chunks")
            return
        }
        guard case .sendTrailerFrameAndEnd = machine.ended() else {
            Issue.record("a started stream ends with the trailer frame")
            return
        }
        guard case .drop = machine.messagesReady() else {
            Issue.record("messages after the end are dropped")
            return
        }
        guard case .none = machine.ended() else {
            Issue.record("a second end does nothing")
            return
        }
    }

    @Test("A buffered call keeps messages and sends one whole response at the end")
    func bufferedSequence() {
        var machine = Machine(mode: .buffered)
        machine.headReceived(head)
        guard case .keep = machine.messagesReady() else {
            Issue.record("buffered messages are kept")
            return
        }
        guard case .keep = machine.messagesReady() else {
            Issue.record("buffered messages are kept")
            return
        }
        guard case .sendWholeResponse(let metadata) = machine.ended() else {
            Issue.record("buffered calls end with a whole response")
            return
        }
        #expect(metadata.count == 1)
    }

    @Test("A disconnect cancels the backend only while the call is open")
    func disconnect() {
        var open = Machine(mode: .streamed)
        open.headReceived(head)
        _ = open.messagesReady()
        let cancelsOpenCall = open.clientDisconnected()
        #expect(cancelsOpenCall)
        #expect(open.isFinished)
        guard case .none = open.ended() else {
            Issue.record("nothing is sent after the client left")
            return
        }

        var done = Machine(mode: .buffered)
        _ = done.ended()
        let cancelsFinishedCall = done.clientDisconnected()
        #expect(!cancelsFinishedCall)
    }
}
