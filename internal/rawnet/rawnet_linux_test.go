package rawnet

import (
	"syscall"
	"testing"
	"time"
)

func newPoller(t *testing.T) *Poller {
	t.Helper()
	p, err := NewPoller()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// pipe returns a non-blocking pipe, closed at the end of the test.
func pipe(t *testing.T) (r, w int) {
	t.Helper()
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]) })
	return fds[0], fds[1]
}

func TestPollerWaitReturnsReadyFD(t *testing.T) {
	p := newPoller(t)
	r, w := pipe(t)
	if err := p.Add(r, syscall.EPOLLIN); err != nil {
		t.Fatal(err)
	}
	events := make([]syscall.EpollEvent, 8)
	if n, err := p.Wait(events, 0); n != 0 || err != nil {
		t.Fatalf("Wait on an empty set = %d, %v; want 0, nil", n, err)
	}
	done := make(chan struct{})
	var n int
	var err error
	go func() {
		defer close(done)
		n, err = p.Wait(events, 10*time.Second) // parks until the write
	}()
	time.Sleep(20 * time.Millisecond)
	if _, err := Write(w, []byte("x")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return after the pipe became readable")
	}
	if err != nil || n != 1 || int(events[0].Fd) != r || events[0].Events&syscall.EPOLLIN == 0 {
		t.Fatalf("Wait = %d, %v, event %+v; want the pipe's read end ready", n, err, events[0])
	}
}

func TestPollerWakeEndsWait(t *testing.T) {
	p := newPoller(t)
	events := make([]syscall.EpollEvent, 8)
	done := make(chan int, 1)
	go func() {
		n, _ := p.Wait(events, 10*time.Second)
		done <- n
	}()
	time.Sleep(20 * time.Millisecond)
	p.Wake()
	select {
	case n := <-done:
		if n != 1 || !p.IsWake(int(events[0].Fd)) {
			t.Fatalf("Wait after Wake = %d events, first fd %d; want the wake-up pipe", n, events[0].Fd)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wake did not end the Wait")
	}
}

func TestPollerWaitTimesOut(t *testing.T) {
	p := newPoller(t)
	events := make([]syscall.EpollEvent, 8)
	start := time.Now()
	n, err := p.Wait(events, 30*time.Millisecond)
	if n != 0 || err != nil {
		t.Fatalf("Wait with nothing ready = %d, %v; want 0, nil", n, err)
	}
	if el := time.Since(start); el < 20*time.Millisecond {
		t.Fatalf("Wait returned after %v, before its 30 ms timeout", el)
	}
}

// The loops call Wait once per round: it must not allocate, whether the
// events are ready at once or it parks for them.
func TestPollerWaitDoesNotAllocate(t *testing.T) {
	p := newPoller(t)
	r, w := pipe(t)
	if err := p.Add(r, syscall.EPOLLIN); err != nil {
		t.Fatal(err)
	}
	events := make([]syscall.EpollEvent, 8)
	buf := make([]byte, 1)
	allocs := testing.AllocsPerRun(100, func() {
		Write(w, buf)
		if n, err := p.Wait(events, time.Second); n != 1 || err != nil {
			t.Fatalf("Wait = %d, %v", n, err)
		}
		Read(r, buf)
	})
	if allocs != 0 {
		t.Fatalf("Wait with an event ready: %v allocations, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(20, func() {
		if n, err := p.Wait(events, time.Millisecond); n != 0 || err != nil {
			t.Fatalf("Wait = %d, %v", n, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Wait that parks until its timeout: %v allocations, want 0", allocs)
	}
}
