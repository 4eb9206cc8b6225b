package scenarios

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// readInput reads the file at path for Load, LoadSweep and
// LoadRestakingGraph, refusing anything that is not a regular file and
// reading at most limit bytes of it.
//
// The kind of file is decided from os.Stat before the file is opened: opening
// a FIFO with no writer blocks (and cannot be interrupted), and reading a
// device such as /dev/zero never ends. The file is then opened without
// blocking and checked again (f.Stat must show the same regular file), so
// that a path swapped between the two calls is refused too, and it is read
// through io.LimitReader(limit+1) so that a file growing past the limit is
// caught without reading the rest of it.
//
// A file that cannot be read comes back as a *fs.PathError (errors.Is
// os.ErrNotExist for a missing one, ErrNotRegular for a device, FIFO,
// socket or directory); a file over the limit as an ErrorList positioned at
// the start of the file, like the problems Parse finds in it.
func readInput(path string, limit int) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	if fi.Size() > int64(limit) {
		return nil, tooLarge(path, fmt.Sprintf("file is %d bytes; the limit is %d", fi.Size(), limit))
	}
	// O_NONBLOCK: should the path have become a FIFO since the Stat, the
	// open returns at once instead of waiting for a writer; on a regular
	// file it changes nothing.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi2, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi2); err != nil {
		return nil, err
	}
	if !os.SameFile(fi, fi2) {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: the file changed while it was being opened", ErrNotRegular)}
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, tooLarge(path, fmt.Sprintf("file is more than %d bytes; the limit is %d", limit, limit))
	}
	return data, nil
}

// checkRegular returns an error naming path and what it is unless fi
// describes a regular file.
func checkRegular(path string, fi fs.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	var kind string
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a FIFO (named pipe)"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeCharDevice != 0:
		kind = "a character device"
	case m&fs.ModeDevice != 0:
		kind = "a block device"
	default:
		kind = "of type " + m.Type().String()
	}
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: it is %s", ErrNotRegular, kind)}
}

func tooLarge(path, msg string) error {
	return ErrorList{{Pos: Pos{File: path, Line: 1, Col: 1}, Err: fmt.Errorf("%s", msg)}}
}

// ReadInput reads a user-supplied input file as Load and LoadSweep do:
// anything that is not a regular file (a FIFO, a device, a socket, a
// directory) is refused before it is opened, and a file of more than limit
// bytes is refused without being read past the limit. A refused file comes
// back as a *fs.PathError wrapping ErrNotRegular, or as an ErrorList
// ("file is N bytes; the limit is L") positioned at the file's start.
func ReadInput(path string, limit int) ([]byte, error) {
	return readInput(path, limit)
}

// CheckRegular returns nil when fi describes a regular file, and otherwise
// a *fs.PathError naming path and what it is, wrapping ErrNotRegular.
func CheckRegular(path string, fi fs.FileInfo) error {
	return checkRegular(path, fi)
}
