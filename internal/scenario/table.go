package scenario

import "github.com/leakhound/leakhound/classify"

func init() {
	// Leaks, one or more per leak class.
	add(def{name: "send-no-receiver", class: classify.SendNoReceiver, proven: true,
		fn: "sendNoReceiver.func1", wait: "chan send", count: 1,
		doc:   "a goroutine sends on an unbuffered channel nobody reads (the article's first shape)",
		start: sendNoReceiver})
	add(def{name: "timeout-after", class: classify.SendNoReceiver, proven: true,
		fn: "timeoutAfter.func1", wait: "chan send", count: 1,
		doc:   "the caller returns through time.After; the worker's send on the unbuffered result channel has no receiver (the article's timeout pattern)",
		start: untilTimeout("timeout-after", timeoutAfter)})
	add(def{name: "timeout-context", class: classify.SendNoReceiver, proven: true,
		fn: "timeoutContext.func1", wait: "chan send", count: 1,
		doc:   "the caller returns on ctx.Done() of context.WithTimeout; the worker's send has no receiver",
		start: untilTimeout("timeout-context", timeoutContext)})
	add(def{name: "consumer-gone", class: classify.SendNoReceiver, proven: true,
		fn: "consumerGone.func1", wait: "chan send", count: 1,
		doc:   "the consumer returns at its first bad item; the producer blocks on its next send",
		start: consumerGone})
	add(def{name: "receive-no-sender", class: classify.ReceiveNoSender, proven: true,
		fn: "receiveNoSender.func1", wait: "chan receive", count: 1,
		doc:   "a goroutine receives from a buffered channel nothing sends to (the article's second shape)",
		start: receiveNoSender})
	add(def{name: "generic-worker", class: classify.ReceiveNoSender, proven: true,
		fn: "await[...]", wait: "chan receive", count: 1,
		doc:   "a goroutine in a generic function receives from a channel with no sender",
		start: genericWorker})
	add(def{name: "labels", class: classify.ReceiveNoSender, proven: true,
		fn: "labelledWorker", wait: "chan receive", count: 3,
		doc:   "a goroutine under pprof.Do and two children that inherit its labels receive from a channel with no sender",
		start: labelled})
	add(def{name: "nil-channel-send", class: classify.NilChannelSend, proven: true,
		fn: "nilChannelSend.func1", wait: "chan send (nil chan)", count: 1,
		doc:   "a goroutine sends on a struct field channel that was never made",
		start: nilChannelSend})
	add(def{name: "nil-channel-receive", class: classify.NilChannelReceive, proven: true,
		fn: "nilChannelReceive.func1", wait: "chan receive (nil chan)", count: 1,
		doc:   "a goroutine receives from var ch chan int passed to it uninitialised (the article's shape)",
		start: nilChannelReceive})
	add(def{name: "select-forever", class: classify.SelectForever, proven: true,
		fn: "selectForever.func1", wait: "select", count: 1,
		doc:   "a select over two made channels that nothing uses",
		start: selectForever})
	add(def{name: "select-nil", class: classify.SelectForever, proven: true,
		fn: "selectNil.func1", wait: "select", count: 1,
		doc:   "a select whose channels are all nil",
		start: selectNil})
	add(def{name: "select-empty", class: classify.SelectForever, proven: true,
		fn: "selectEmpty.func1", wait: "select (no cases)", count: 1,
		doc:   "select {}",
		start: selectEmpty})
	add(def{name: "range-never-closed", class: classify.RangeNeverClosed, proven: true,
		fn: "rangeNeverClosed.func1", wait: "chan receive", count: 1,
		doc:   "the producer returns without close(ch); the consumer's for-range waits forever",
		start: rangeNeverClosed})
	add(def{name: "method-worker", class: classify.RangeNeverClosed, proven: true,
		fn: "(*worker).loop", wait: "chan receive", count: 1,
		doc:   "a method on a pointer receiver ranges over a jobs channel its owner never closes",
		start: methodWorker})
	add(def{name: "context-never-done", class: classify.ContextNeverDone, proven: true,
		fn: "contextNeverDone.func1", wait: "chan receive", count: 1,
		doc:   "a goroutine waits on <-ctx.Done() of a context.WithCancel whose cancel is never called",
		start: contextNeverDone})
	add(def{name: "context-background", class: classify.ContextNeverDone, proven: true,
		fn: "waitForShutdown", wait: "chan receive (nil chan)", count: 1,
		doc:   "a goroutine waits on <-ctx.Done() of context.Background(), whose Done channel is nil",
		start: contextBackground})
	add(def{name: "mutex-deadlock", class: classify.MutexDeadlock, proven: true,
		fn: "(*counter).incr", wait: "sync.Mutex.Lock", count: 1,
		doc:   "an error path returned without Unlock; the next caller blocks in Lock",
		start: mutexDeadlock})
	add(def{name: "mutex-abba", class: classify.MutexDeadlock, proven: true,
		fn: "lockBoth", wait: "sync.Mutex.Lock", count: 2,
		doc:   "two goroutines take two mutexes in opposite orders",
		start: mutexABBA})
	add(def{name: "rwmutex-lock", class: classify.MutexDeadlock, proven: true,
		fn: "(*registry).set", wait: "sync.RWMutex.Lock", count: 1,
		doc:   "a reader returned without RUnlock; a writer blocks in Lock",
		start: rwmutexLock})
	add(def{name: "rwmutex-rlock", class: classify.MutexDeadlock, proven: true,
		fn: "(*registry).get", wait: "sync.RWMutex.RLock", count: 1,
		doc:   "a writer returned without Unlock; a reader blocks in RLock",
		start: rwmutexRLock})
	add(def{name: "waitgroup-never-done", class: classify.WaitGroupNeverDone, proven: true,
		fn: "waitGroupNeverDone.func2", wait: "sync.WaitGroup.Wait", count: 1,
		doc:   "a worker returned without Done; the collector waits in WaitGroup.Wait",
		start: waitGroupNeverDone})
	add(def{name: "cond-never-signalled", class: classify.CondNeverSignalled, proven: true,
		fn: "(*queue).pop", wait: "sync.Cond.Wait", count: 1,
		doc:   "a consumer waits on a sync.Cond that nothing signals",
		start: condNeverSignalled})
	add(def{name: "io-without-deadline", class: classify.IOWithoutDeadline,
		fn: "readReply", wait: "IO wait", count: 1,
		doc:   "a client reads from a loopback TCP peer that never writes, with no deadline",
		start: ioWithoutDeadline})

	// Goroutines that are not leaks.
	add(def{name: "sleeping", class: classify.Sleeping,
		fn: "refreshLoop", wait: "sleep", count: 1,
		doc:   "a goroutine in time.Sleep(time.Hour)",
		start: sleeping})
	add(def{name: "busy", class: classify.Running,
		fn: "spin", wait: "", count: 1,
		doc:   "a goroutine looping on runtime.Gosched, always running or runnable",
		start: busy})
	add(def{name: "http-pprof", class: classify.Idle,
		fn: "serveIdle", wait: "IO wait", count: 1,
		doc:   "an idle net/http server with net/http/pprof on its own mux, with one idle keep-alive connection",
		start: httpPprof})
	add(def{name: "signal-notify", class: classify.Idle, once: true,
		fn: "os/signal.loop", wait: "syscall", count: 1,
		doc:   "os/signal.Notify's loop waiting for signals",
		start: signalNotify})
	add(def{name: "deep-recursion", class: classify.Sleeping,
		fn: "recurse", wait: "sleep", count: 1,
		doc:   "a goroutine sleeping 300 frames deep, so the traceback elides frames",
		start: deepRecursion})
	add(def{name: "locked-thread", class: classify.Sleeping,
		fn: "pinnedWorker", wait: "sleep", count: 1,
		doc:   "a sleeping goroutine locked to its thread with runtime.LockOSThread",
		start: lockedThread})
}
