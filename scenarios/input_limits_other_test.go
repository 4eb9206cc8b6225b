//go:build !unix

package scenarios

import "errors"

func makeFIFO(string) (string, error) { return "", errors.New("no FIFOs on this system") }
