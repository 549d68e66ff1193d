package a

// Buffer sizes for goroutines started in counted loops of any integer
// type: the fix names the count as the loop writes it, valid where the
// channel is made.

type count uint16

func firstOfUint32(n uint32) int {
	ch := make(chan int)
	for i := uint32(0); i < n; i++ {
		go func() { ch <- fetch() }() // want `when firstOfUint32 returns after the first result \(line 14\) without receiving from ch; give ch a buffer of n$`
	}
	return <-ch
}

func firstOfRangeConv(n int) int {
	ch := make(chan int)
	for range uint32(n) {
		go func() { ch <- fetch() }() // want `give ch a buffer of uint32\(n\)$`
	}
	return <-ch
}

func firstOfBoundConv(n uint8) int {
	ch := make(chan int)
	for i := 0; i < int(n); i++ {
		go func() { ch <- fetch() }() // want `give ch a buffer of int\(n\)$`
	}
	return <-ch
}

func firstOfNamed(n count) int {
	ch := make(chan int)
	for i := count(0); i < n; i++ {
		go func() { ch <- fetch() }() // want `give ch a buffer of n$`
	}
	return <-ch
}

func firstOfInt64Len(xs []string) int {
	ch := make(chan int)
	for i := int64(0); i < int64(len(xs)); i++ {
		go func() { ch <- fetch() }() // want `give ch a buffer of int64\(len\(xs\)\)$`
	}
	return <-ch
}

func firstOfAssigned(n uint64) int {
	ch := make(chan int)
	var i uint64
	for i = 0; i < n; i += 1 {
		go func() { ch <- fetch() }() // want `give ch a buffer of n$`
	}
	return <-ch
}

func firstOfInclusive(n int) int {
	ch := make(chan int)
	for i := 0; i <= n; i++ {
		go func() { ch <- fetch() }() // want `give ch a buffer of n\+1$`
	}
	return <-ch
}

func firstOfFromOne(n int) int {
	ch := make(chan int)
	for i := 1; i <= n; i++ {
		go func() { ch <- fetch() }() // want `give ch a buffer of n$`
	}
	return <-ch
}

func firstOfConstants() int {
	ch := make(chan int)
	for i := int8(2); i < 7; i++ {
		go func() { ch <- fetch() }() // want `give ch a buffer of 5$`
	}
	return <-ch
}

func firstOfCountdown(n int32) int {
	ch := make(chan int)
	for i := n; i > 0; i-- {
		go func() { ch <- fetch() }() // want `give ch a buffer of n$`
	}
	return <-ch
}

func firstOfCountdownIndex(xs []int) int {
	ch := make(chan int)
	for i := len(xs) - 1; i >= 0; i-- {
		go func() { ch <- fetch() }() // want `give ch a buffer of len\(xs\)$`
	}
	return <-ch
}

// Negative twins: no count the fix can write.

func numGoroutines() int { return 3 }

// firstOfCall's bound is a call: writing it at the make would call it twice.
func firstOfCall() int {
	ch := make(chan int)
	for i := uint32(0); i < uint32(numGoroutines()); i++ {
		go func() { ch <- fetch() }() // want `give ch a buffer as large as the number of goroutines$`
	}
	return <-ch
}

// rangeOfCall ranges over a call's result: the same.
func rangeOfCall() int {
	ch := make(chan int)
	for range numGoroutines() {
		go func() { ch <- fetch() }() // want `give ch a buffer as large as the number of goroutines$`
	}
	return <-ch
}

// firstOfFloat counts in floats: no integer to give make.
func firstOfFloat(x float64) int {
	ch := make(chan int)
	for f := 0.0; f < x; f++ {
		go func() { ch <- fetch() }() // want `give ch a buffer as large as the number of goroutines$`
	}
	return <-ch
}

// firstOfStride steps by two: n would be twice the count, and a count
// written as n/2 would be wrong for odd n.
func firstOfStride(n int) int {
	ch := make(chan int)
	for i := 0; i < n; i += 2 {
		go func() { ch <- fetch() }() // want `give ch a buffer as large as the number of goroutines$`
	}
	return <-ch
}

// firstOfLate's bound is declared after the channel is made.
func firstOfLate(xs []int) int {
	ch := make(chan int)
	m := uint32(len(xs))
	for i := uint32(0); i < m; i++ {
		go func() { ch <- fetch() }() // want `give ch a buffer as large as the number of goroutines$`
	}
	return <-ch
}
